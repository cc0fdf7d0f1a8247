// Reads, in one `ip -j -batch` run, what the built-in configurator needs to know before changing
// anything: the TUN's state, how the gateway and each excluded network are reached today.
import { z } from 'zod';
import { formatNet } from '../../shared/net.js';
import type { NetworkSetup } from '../../shared/network-setup.js';
import { NetworkConfigError } from './errors.js';
import { type OriginalPath, type RouteProbe, excludedNetworks } from './route-plan.js';
import type { IpQueryAnswer, SystemCommands } from './system-commands.js';

const linkAnswer = z.array(z.object({ mtu: z.number(), flags: z.array(z.string()) })).min(1);
const routeGetAnswer = z
  .array(z.object({ type: z.string().optional(), gateway: z.string().optional(), dev: z.string() }))
  .min(1);
const routeListAnswer = z.array(z.unknown());

export async function probeRoutes(
  commands: SystemCommands,
  setup: NetworkSetup,
): Promise<RouteProbe> {
  const { tunName: tun, gateway } = setup;
  const excludes = excludedNetworks(setup);
  const answers = await commands.ipQuery([
    ['link', 'show', 'dev', tun],
    ['route', 'get', gateway],
    ['route', 'show', 'exact', `${gateway}/32`],
    ...excludes.flatMap((net) => [
      ['route', 'get', net.address],
      ['route', 'show', 'exact', formatNet(net)],
    ]),
  ]);
  const [linkRaw, gatewayRaw, gatewayExact] = answers;

  const link = read(linkAnswer, linkRaw, `reading ${tun}`)[0];
  const gatewayRoute = read(
    routeGetAnswer,
    gatewayRaw,
    'route to the gateway',
    'no-route-to-gateway',
  )[0];
  if (link === undefined || gatewayRoute === undefined)
    throw new NetworkConfigError('ip-failed', 'empty ip answer');
  if (gatewayRoute.dev === tun) {
    throw new NetworkConfigError(
      'no-route-to-gateway',
      `the route to gateway ${gateway} goes through ${tun}`,
    );
  }
  return {
    tunMtu: link.mtu,
    tunUp: link.flags.includes('UP'),
    ...(gatewayRoute.type === 'local' ? {} : { gatewayPath: pathOf(gatewayRoute) }),
    gatewayRouted: read(routeListAnswer, gatewayExact, 'routes to the gateway').length > 0,
    excludes: excludes.map((network, index) => {
      const got = answers[3 + 2 * index];
      const exact = answers[4 + 2 * index];
      const route =
        got !== undefined && 'json' in got
          ? routeGetAnswer.safeParse(got.json).data?.[0]
          : undefined;
      const outside = route !== undefined && route.dev !== tun && route.type !== 'local';
      return {
        network,
        ...(outside ? { path: pathOf(route) } : {}),
        routed:
          exact !== undefined && 'json' in exact && routeListAnswer.parse(exact.json).length > 0,
      };
    }),
  };
}

function pathOf(route: { gateway?: string | undefined; dev: string }): OriginalPath {
  return route.gateway === undefined
    ? { dev: route.dev }
    : { gateway: route.gateway, dev: route.dev };
}

function read<T>(
  schema: z.ZodType<T>,
  answer: IpQueryAnswer | undefined,
  what: string,
  code: 'ip-failed' | 'no-route-to-gateway' = 'ip-failed',
): T {
  if (answer === undefined || 'error' in answer) {
    throw new NetworkConfigError(code, `${what}: ${answer?.error ?? 'no answer from ip'}`, {
      step: what,
    });
  }
  const parsed = schema.safeParse(answer.json);
  if (!parsed.success)
    throw new NetworkConfigError('ip-failed', `${what}: unexpected ip output`, { step: what });
  return parsed.data;
}
