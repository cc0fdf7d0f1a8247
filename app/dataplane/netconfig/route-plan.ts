// What the built-in configurator changes, each with its exact inverse as an `ip` batch line (the
// undo journal), worked out from the setup and from how the OS routes things before the tunnel
// exists.
import {
  type Ipv4Net,
  formatNet,
  isPrivateNet,
  maskToPrefix,
  netWithin,
} from '../../shared/net.js';
import type { NetworkSetup } from '../../shared/network-setup.js';
import { type IpNet, bytesToIpv6, ipv6Network, isIpv6 } from '../../shared/net6.js';
import { normaliseNet } from './net-math.js';

/** How a destination leaves the host today (an `ip route get` answer). */
export interface OriginalPath {
  gateway?: string;
  dev: string;
}

export interface ExcludeProbe {
  network: Ipv4Net;
  /** undefined: no route, or only through the tunnel */
  path?: OriginalPath;
  /** a route for exactly this network exists already (e.g. the on-link LAN) */
  routed: boolean;
}

export interface RouteProbe {
  tunMtu: number;
  tunUp: boolean;
  /** undefined when the gateway is a local address (nothing to protect) */
  gatewayPath?: OriginalPath;
  /** a route for exactly the gateway (/32, /128) exists already: not ours to add or remove */
  gatewayRouted: boolean;
  excludes: ExcludeProbe[];
}

/** One change as the configurator makes it (by rtnetlink, see rtnetlink.ts). */
export type NetChange =
  | { kind: 'link'; dev: string; mtu: number }
  | { kind: 'address'; dev: string; address: string; prefix: number }
  | { kind: 'route'; network: Ipv4Net; path: OriginalPath };

export interface PlannedChange {
  /** in words, for the log and for error messages */
  what: string;
  change: NetChange;
  /** its inverse, an `ip` batch line: journalled, so a later run can replay it after a crash */
  undo: string[];
}

/** vpnc-script skips these LOCAL_LAN entries too: they cannot be forwarded anyway. */
const NON_FORWARDABLE = [
  { address: '0.0.0.0', prefix: 8 },
  { address: '127.0.0.0', prefix: 8 },
  { address: '169.254.0.0', prefix: 16 },
];

/** Full tunnel as two halves: more specific than any default route, which stays untouched. */
const HALF_DEFAULTS: Ipv4Net[] = [
  { address: '0.0.0.0', prefix: 1 },
  { address: '128.0.0.0', prefix: 1 },
];

/** Ordered so nothing enters the tunnel before the routes that must stay outside exist. */
export function planChanges(
  setup: NetworkSetup,
  probe: RouteProbe,
): { changes: PlannedChange[]; notes: string[] } {
  const { tunName: tun, config } = setup;
  const address = config.internalIp4 ?? '';
  const notes: string[] = [];
  const changes: PlannedChange[] = [
    {
      what: `${tun} up with MTU ${setup.mtu}`,
      change: { kind: 'link', dev: tun, mtu: setup.mtu },
      undo: [
        'link',
        'set',
        'dev',
        tun,
        'mtu',
        String(probe.tunMtu),
        ...(probe.tunUp ? [] : ['down']),
      ],
    },
    {
      what: `address ${address}/32 on ${tun}`,
      change: { kind: 'address', dev: tun, address, prefix: 32 },
      undo: ['addr', 'del', `${address}/32`, 'dev', tun],
    },
  ];
  // IPv6 in the tunnel: its address as a host address too, routes below
  const address6 = config.internalIp6;
  if (address6 !== undefined)
    changes.push({
      what: `address ${address6}/128 on ${tun}`,
      change: { kind: 'address', dev: tun, address: address6, prefix: 128 },
      undo: ['addr', 'del', `${address6}/128`, 'dev', tun],
    });
  const gatewayNet = hostNet(setup.gateway);
  if (probe.gatewayRouted)
    notes.push(`route to gateway ${formatNet(gatewayNet)} exists already: kept as is`);
  else if (probe.gatewayPath) changes.push(outsideRoute(gatewayNet, probe.gatewayPath, 'gateway'));
  for (const exclude of probe.excludes) {
    const net = formatNet(exclude.network);
    if (exclude.routed) notes.push(`excluded ${net} is routed outside the tunnel already`);
    else if (!exclude.path) notes.push(`excluded ${net} ignored: no route outside the tunnel`);
    // a gateway may leave the LAN outside the tunnel, not pull public networks out of it
    else if (!isPrivateNet(exclude.network) && exclude.path.gateway !== undefined)
      notes.push(`excluded ${net} ignored: neither a private network nor on-link`);
    else changes.push(outsideRoute(exclude.network, exclude.path, 'excluded'));
  }
  for (const network of [...tunnelNetworks(setup), ...tunnelNetworks6(setup)]) {
    const route = [formatNet(network), 'dev', tun];
    changes.push({
      what: `route ${formatNet(network)} into ${tun}`,
      change: { kind: 'route', network, path: { dev: tun } },
      undo: ['route', 'del', ...route],
    });
  }
  return { changes, notes };
}

/** The gateway alone, IPv4 or IPv6 (the outer family may differ from the tunnel's): its route
 * outside the tunnel is more specific than any the tunnel or the IPv6 block of a full tunnel
 * adds, so IKE and ESP keep their original path. */
export function hostNet(address: string): Ipv4Net {
  return { address, prefix: isIpv6(address) ? 128 : 32 };
}

/** LOCAL_LAN networks worth a route: normalised, non-forwardable ones dropped, no duplicates. */
export function excludedNetworks(setup: NetworkSetup): Ipv4Net[] {
  const networks = setup.config.splitExclude.map((entry) => normaliseNet(entry.network));
  return unique(networks.filter((net) => !NON_FORWARDABLE.some((bad) => netWithin(net, bad))));
}

/** No split-include (or one for everything): all traffic goes through the tunnel. */
export function isFullTunnel(setup: NetworkSetup): boolean {
  const included = setup.config.splitInclude;
  return included.length === 0 || included.some((entry) => entry.network.prefix === 0);
}

/** Split-include networks (or both halves of the address space for a full tunnel), plus the
 * internal network when Mode Config gave a netmask, as vpnc-script routes it. */
function tunnelNetworks(setup: NetworkSetup): Ipv4Net[] {
  const { config } = setup;
  const networks = isFullTunnel(setup)
    ? [...HALF_DEFAULTS]
    : config.splitInclude.map((entry) => normaliseNet(entry.network));
  if (config.internalIp4 !== undefined && config.internalIp4Netmask !== undefined) {
    const prefix = maskToPrefix(config.internalIp4Netmask);
    // a 0.0.0.0 netmask would make any split tunnel full
    if (prefix > 0 && prefix < 32)
      networks.push(normaliseNet({ address: config.internalIp4, prefix }));
  }
  return unique(networks);
}

/** Full IPv6 tunnel as two halves, as for IPv4. */
const HALF_DEFAULTS6: IpNet[] = [
  { address: '::', prefix: 1 },
  { address: '8000::', prefix: 1 },
];

/** Does IPv6 go into the tunnel, and is it all of IPv6 (no split list, or ::/0 in it)? */
export function ipv6Tunnel(setup: NetworkSetup): 'none' | 'full' | 'split' {
  const { internalIp6, splitInclude6 } = setup.config;
  if (internalIp6 === undefined) return 'none';
  return splitInclude6.length === 0 || splitInclude6.some((net) => net.prefix === 0)
    ? 'full'
    : 'split';
}

/** The IPv6 split networks (host bits cleared), both halves for a full IPv6 tunnel, or none
 * without IPv6 in the tunnel. */
function tunnelNetworks6(setup: NetworkSetup): IpNet[] {
  const kind = ipv6Tunnel(setup);
  if (kind === 'none') return [];
  if (kind === 'full') return [...HALF_DEFAULTS6];
  return unique(
    setup.config.splitInclude6.map((net) => ({
      address: bytesToIpv6(ipv6Network(net)),
      prefix: net.prefix,
    })),
  );
}

function outsideRoute(network: Ipv4Net, path: OriginalPath, role: string): PlannedChange {
  const via = path.gateway === undefined ? [] : ['via', path.gateway];
  const route = [formatNet(network), ...via, 'dev', path.dev];
  return {
    what: `${role} route ${route.join(' ')} outside the tunnel`,
    change: { kind: 'route', network, path },
    undo: ['route', 'del', ...route],
  };
}

function unique(networks: Ipv4Net[]): Ipv4Net[] {
  const seen = new Set<string>();
  return networks.filter((net) => {
    const key = formatNet(net);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
