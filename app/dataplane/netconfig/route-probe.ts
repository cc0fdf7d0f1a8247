// Reads what the built-in configurator needs to know before changing anything: the TUN's state,
// how the gateway and each excluded network are reached today. By rtnetlink, the questions
// `ip link show`, `ip route get` and `ip route show exact` ask, without spawning `ip`.
import { formatNet } from '../../shared/net.js';
import type { NetworkSetup } from '../../shared/network-setup.js';
import { NetworkConfigError } from './errors.js';
import { type OriginalPath, type RouteProbe, excludedNetworks, hostNet } from './route-plan.js';
import { type RouteLookup, Rtnetlink } from './rtnetlink.js';
import type { CommandContext } from './system-commands.js';

/** `context`: the namespace to look in; `netlink`: the configurator's, which then knows the
 * interface indexes for its changes. */
export function probeRoutes(
  context: CommandContext,
  setup: NetworkSetup,
  netlink = new Rtnetlink(context.netns),
): RouteProbe {
  const { tunName: tun, gateway } = setup;
  const link = ask(`reading ${tun}`, 'ip-failed', () => netlink.link(tun));
  const gatewayRoute = ask('route to the gateway', 'no-route-to-gateway', () =>
    netlink.routeGet(gateway),
  );
  if (gatewayRoute.dev === tun) {
    throw new NetworkConfigError(
      'no-route-to-gateway',
      `the route to gateway ${gateway} goes through ${tun}`,
    );
  }
  const gatewayNet = hostNet(gateway);
  const mainTable = ask('routes in the main table', 'ip-failed', () => netlink.mainTable());
  return {
    tunMtu: link.mtu,
    tunUp: link.up,
    ...(gatewayRoute.local ? {} : { gatewayPath: pathOf(gatewayRoute) }),
    gatewayRouted: mainTable.has(gatewayNet),
    excludes: excludedNetworks(setup).map((network) => {
      const route = ask(`route to ${formatNet(network)}`, 'ip-failed', () =>
        routeUnlessRefused(netlink, network.address),
      );
      const outside = route !== undefined && route.dev !== tun && !route.local;
      return {
        network,
        ...(outside ? { path: pathOf(route) } : {}),
        routed: mainTable.has(network),
      };
    }),
  };
}

function pathOf(route: OriginalPath): OriginalPath {
  return route.gateway === undefined
    ? { dev: route.dev }
    : { gateway: route.gateway, dev: route.dev };
}

/** The kernel's answer, or its refusal as a NetworkConfigError naming what was asked. */
function ask<T>(what: string, code: 'ip-failed' | 'no-route-to-gateway', question: () => T): T {
  try {
    return question();
  } catch (error) {
    throw new NetworkConfigError(code, `${what}: ${(error as Error).message}`, { step: what });
  }
}

/** For an excluded network, the kernel's refusal (no route, unreachable, prohibited: the errno
 * errors the addon marks with syscall "rtnetlink") is an answer too: undefined. Anything else (a
 * malformed answer, no socket) is a failure, not a reason to leave the exclude inside the tunnel. */
function routeUnlessRefused(netlink: Rtnetlink, address: string): RouteLookup | undefined {
  try {
    return netlink.routeGet(address);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).syscall === 'rtnetlink') return undefined;
    throw error;
  }
}
