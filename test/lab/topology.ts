// The lab's four network namespaces and their links:
//   cli (192.0.2.2) -- nat (192.0.2.1 | 198.51.100.2, masquerade) -- gw (198.51.100.1 | 198.19.77.1) -- lan (198.19.77.10)
// The NAT has no route to 198.19.77.0/24: the client reaches the LAN only through the tunnel.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { LAB_ADDRESSES as A, LAB_INTERFACES as I, LAB_PREFIX_LENGTH } from './addresses.js';
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

/** One end of a veth link: namespace role, interface name, address. */
type LinkEnd = [LabRole, string, string];

// The three veth links. Each is created from its first end's namespace with the peer put
// straight into the second's, so no interface ever exists in the host's namespace.
const LINKS: [LinkEnd, LinkEnd][] = [
  [
    ['cli', I.client, A.client],
    ['nat', I.natInside, A.natInside],
  ],
  [
    ['nat', I.natOutside, A.natOutside],
    ['gw', I.gatewayWan, A.gateway],
  ],
  [
    ['gw', I.gatewayLan, A.gatewayLan],
    ['lan', I.lanHost, A.lanHost],
  ],
];

const DEFAULT_ROUTES: Partial<Record<LabRole, string>> = { cli: A.natInside, lan: A.gatewayLan };

// The `ip -batch` script of one namespace. Run in LAB_ROLES order: a link's second end exists
// once the namespace of its first end has run.
function linkScript(role: LabRole, names: LabNames): string {
  const lines = ['link set lo up'];
  for (const [[fromRole, fromIf], [toRole, toIf]] of LINKS) {
    if (fromRole === role)
      lines.push(`link add ${fromIf} type veth peer name ${toIf} netns ${names[toRole]}`);
  }
  for (const [endRole, iface, address] of LINKS.flat()) {
    if (endRole === role)
      lines.push(`addr add ${address}/${LAB_PREFIX_LENGTH} dev ${iface}`, `link set ${iface} up`);
  }
  const gateway = DEFAULT_ROUTES[role];
  if (gateway) lines.push(`route add default via ${gateway}`);
  return lines.join('\n') + '\n';
}

// IPv6 off everywhere: no router solicitations or MLD reports in captures and counters.
const IPV6_OFF = ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
const FORWARDING = ['net.ipv4.ip_forward=1'];
const HAS_IPV6 = existsSync('/proc/sys/net/ipv6');

function sysctls(role: LabRole): string[] {
  const forwarding = role === 'nat' || role === 'gw' ? FORWARDING : [];
  return [...(HAS_IPV6 ? IPV6_OFF : []), ...forwarding];
}

const NAT_RULESET = `table ip roadwarrior_lab {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${I.natOutside}" ip saddr ${A.clientNetwork} masquerade
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
  await run('ip', ['netns', 'exec', names.nat, 'nft', '-f', '-'], { input: NAT_RULESET });
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

/**
 * Synchronous, idempotent removal of everything createTopology made: SIGKILLs whatever still
 * runs inside, deletes the namespaces (their links go with them) and the /etc/netns entry.
 * Synchronous so it also works from a process 'exit' hook.
 */
export function destroyTopology(names: LabNames): void {
  signalPids(labPids(names), 'SIGKILL');
  const failures: string[] = [];
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
