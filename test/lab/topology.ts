// The lab's four network namespaces and their links:
//   cli (192.0.2.2) -- nat (192.0.2.1 | 198.51.100.2, masquerade) -- gw (198.51.100.1 | 198.19.77.1) -- lan (198.19.77.10)
// and the same in IPv6 on every link (addresses.ts, LAB_ADDRESSES6).
// The NAT has no route to the protected LAN: the client reaches it only through the tunnel.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  LAB_ADDRESSES as A,
  LAB_ADDRESSES6 as A6,
  LAB_INTERFACES as I,
  LAB_PREFIX_LENGTH,
  LAB_PREFIX_LENGTH6,
} from './addresses.js';
import { processRunning } from './proc-stat.js';
import { run } from './run.js';
import { inSharedDir, removeIfEmpty } from './shared-dirs.js';

export type LabRole = 'cli' | 'nat' | 'gw' | 'lan';
export const LAB_ROLES: readonly LabRole[] = ['cli', 'nat', 'gw', 'lan'];

/** Namespace name per role. */
export type LabNames = Record<LabRole, string>;

// Lab id = "<owner pid>-<sequence>": cleanupStaleLabs() reads the owner back from the name.
const NAMESPACE_PATTERN = /^rw(cli|nat|gw|lan)-((\d+)-\d+)$/;

export function labNames(id: string): LabNames {
  return { cli: `rwcli-${id}`, nat: `rwnat-${id}`, gw: `rwgw-${id}`, lan: `rwlan-${id}` };
}

/** Lab id and owner pid of a namespace this module names, or undefined for anyone else's. */
export function parseLabNamespace(name: string): { id: string; ownerPid: number } | undefined {
  const match = NAMESPACE_PATTERN.exec(name);
  return match?.[2] && match[3] ? { id: match[2], ownerPid: Number(match[3]) } : undefined;
}

const NETNS_DIR = '/run/netns';
const ETC_NETNS_DIR = '/etc/netns';

export function namespaceExists(name: string): boolean {
  return existsSync(`${NETNS_DIR}/${name}`);
}

/** Every named network namespace on the host (`ip netns list` reads the same directory). */
export function listNamespaces(): string[] {
  return existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : [];
}

/** The file `ip netns exec <cli>` bind-mounts over /etc/resolv.conf. */
export function clientResolvConfPath(names: LabNames): string {
  return `${ETC_NETNS_DIR}/${names.cli}/resolv.conf`;
}

/** Whether this kernel has IPv6; without it the lab is IPv4 only and gatewayFamily 6 fails. */
export const HAS_IPV6 = existsSync('/proc/sys/net/ipv6');

/** One end of a veth link: namespace role, interface name, IPv4 and IPv6 address. */
type LinkEnd = [LabRole, string, string, string];

// The three veth links. Each is created from its first end's namespace with the peer put
// straight into the second's, so no interface ever exists in the host's namespace.
const LINKS: [LinkEnd, LinkEnd][] = [
  [
    ['cli', I.client, A.client, A6.client],
    ['nat', I.natInside, A.natInside, A6.natInside],
  ],
  [
    ['nat', I.natOutside, A.natOutside, A6.natOutside],
    ['gw', I.gatewayWan, A.gateway, A6.gateway],
  ],
  [
    ['gw', I.gatewayLan, A.gatewayLan, A6.gatewayLan],
    ['lan', I.lanHost, A.lanHost, A6.lanHost],
  ],
];

/** Above lo (1) and any interface a namespace starts with. */
const FIRST_LINK_INDEX = 10;

/** Next hop of the default route per family, for the two ends of the lab. */
const DEFAULT_ROUTES: Partial<Record<LabRole, [string, string]>> = {
  cli: [A.natInside, A6.natInside],
  lan: [A.gatewayLan, A6.gatewayLan],
};

// The `ip -batch` script of one namespace. Run in LAB_ROLES order: a link's second end exists
// once the namespace of its first end has run.
function linkScript(role: LabRole, names: LabNames): string {
  const lines = ['link set lo up'];
  LINKS.forEach(([[fromRole, fromIf], [toRole, toIf]], i) => {
    // Interface indexes unique across the lab: the kernel takes a veth whose index equals its
    // peer's (both 2, in two namespaces) for no stacked device and reports its carrier up to a
    // second late (net/core/link_watch.c, linkwatch_urgent_event); until then IPv6 holds the
    // link as not ready and drops neighbour solicitations: the first ping took a second.
    const index = FIRST_LINK_INDEX + 2 * i;
    if (fromRole === role)
      lines.push(
        `link add ${fromIf} index ${index} type veth peer name ${toIf} index ${index + 1} netns ${names[toRole]}`,
      );
  });
  for (const [endRole, iface, address, address6] of LINKS.flat()) {
    if (endRole !== role) continue;
    lines.push(`addr add ${address}/${LAB_PREFIX_LENGTH} dev ${iface}`);
    // nodad: usable at once, not tentative for a second of duplicate address detection
    if (HAS_IPV6) lines.push(`addr add ${address6}/${LAB_PREFIX_LENGTH6} dev ${iface} nodad`);
    lines.push(`link set ${iface} up`);
  }
  if (role === 'gw')
    lines.push(`addr add ${A.gatewayBackup}/${LAB_PREFIX_LENGTH} dev ${I.gatewayWan}`);
  const [gateway, gateway6] = DEFAULT_ROUTES[role] ?? [];
  if (gateway) lines.push(`route add default via ${gateway}`);
  if (gateway6 && HAS_IPV6) lines.push(`route add default via ${gateway6}`);
  return lines.join('\n') + '\n';
}

// Static addresses only: no router solicitations or advertisements taken, no duplicate address
// detection (MLD reports are still sent when a link comes up, before any test starts).
const IPV6_STATIC = [
  'net.ipv6.conf.all.accept_ra=0',
  'net.ipv6.conf.default.accept_ra=0',
  'net.ipv6.conf.default.router_solicitations=0',
  'net.ipv6.conf.default.accept_dad=0',
];
const FORWARDING = ['net.ipv4.ip_forward=1'];
const FORWARDING6 = ['net.ipv6.conf.all.forwarding=1'];

function sysctls(role: LabRole): string[] {
  const forwards = role === 'nat' || role === 'gw';
  return [
    ...(forwards ? FORWARDING : []),
    ...(HAS_IPV6 ? IPV6_STATIC : []),
    ...(HAS_IPV6 && forwards ? FORWARDING6 : []),
  ];
}

// NAT66 (an ip6 nat masquerade) rather than plain IPv6 routing: the client sits behind a NAT in
// either family, so NAT discovery (RFC 3947) finds one over IPv6 as well and the IKE and ESP
// carried over IPv6 take the NAT-T path the IPv4 lab exercises, instead of one only forced
// encapsulation would reach.
const NAT_RULESET = `table ip roadwarrior_lab {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${I.natOutside}" ip saddr ${A.clientNetwork} masquerade
  }
}
`;
const NAT66_RULESET = `table ip6 roadwarrior_lab {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${I.natOutside}" ip6 saddr ${A6.clientNetwork} masquerade
  }
}
`;

/** Creates the namespaces, links, addresses, routes, NAT and the cli namespace's resolv.conf. */
export async function createTopology(names: LabNames, resolvConfText: string): Promise<void> {
  await run('ip', ['-batch', '-'], {
    input: LAB_ROLES.map((r) => `netns add ${names[r]}\n`).join(''),
  });
  await Promise.all(
    LAB_ROLES.map((r) => {
      const settings = sysctls(r);
      return settings.length === 0
        ? undefined
        : run('ip', ['netns', 'exec', names[r], 'sysctl', '-qw', ...settings]);
    }),
  );
  for (const role of LAB_ROLES) {
    await run('ip', ['-n', names[role], '-batch', '-'], { input: linkScript(role, names) });
  }
  await run('ip', ['netns', 'exec', names.nat, 'nft', '-f', '-'], {
    input: NAT_RULESET + (HAS_IPV6 ? NAT66_RULESET : ''),
  });
  writeClientResolvConf(names, resolvConfText);
}

function writeClientResolvConf(names: LabNames, text: string): void {
  inSharedDir(() => {
    mkdirSync(`${ETC_NETNS_DIR}/${names.cli}`, { recursive: true });
    writeFileSync(clientResolvConfPath(names), text);
  });
}

/** Pids of every process inside the namespace (host pid numbering). */
export function namespacePids(name: string): number[] {
  if (!namespaceExists(name)) return [];
  try {
    return execFileSync('ip', ['netns', 'pids', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Pids of every process in the lab's namespaces. */
export function labPids(names: LabNames): number[] {
  return LAB_ROLES.flatMap((role) => namespacePids(names[role]));
}

export function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

const KILL_WAIT_MS = 10_000;

/**
 * SIGKILLs `pids` and waits until each has died; returns those still running after
 * KILL_WAIT_MS. A SIGKILLed process takes a moment to exit (a multi-threaded charon under load
 * longer), and nothing of a torn-down lab may still run. Synchronous, for the 'exit' hook.
 */
function killAndWait(pids: readonly number[]): number[] {
  signalPids(pids, 'SIGKILL');
  const deadline = Date.now() + KILL_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let running = pids.filter(processRunning);
  while (running.length > 0 && Date.now() < deadline) {
    Atomics.wait(pause, 0, 0, 10);
    running = running.filter(processRunning);
  }
  return running;
}

/**
 * Synchronous, idempotent removal of everything createTopology made: SIGKILLs whatever still
 * runs inside, deletes the namespaces (their links go with them) and the /etc/netns entry.
 * Synchronous so it also works from a process 'exit' hook.
 */
export function destroyTopology(names: LabNames): void {
  const survivors = killAndWait(labPids(names));
  const failures = survivors.map((pid) => `pid ${pid} still runs after SIGKILL`);
  for (const role of LAB_ROLES) {
    if (!namespaceExists(names[role])) continue;
    try {
      execFileSync('ip', ['netns', 'del', names[role]], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      failures.push(`ip netns del ${names[role]}: ${(error as Error).message}`);
    }
  }
  rmSync(`${ETC_NETNS_DIR}/${names.cli}`, { recursive: true, force: true });
  removeIfEmpty(ETC_NETNS_DIR);
  if (failures.length > 0) throw new Error(`lab teardown incomplete: ${failures.join('; ')}`);
}
