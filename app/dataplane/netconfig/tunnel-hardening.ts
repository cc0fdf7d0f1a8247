// What makes a tunnel tight beyond its IPv4 routes: strict reverse-path filtering on the TUN
// (packets from the gateway whose inner source is not routed through the tunnel are dropped),
// and for a full tunnel, IPv6 kept from leaving beside it. Each change is journalled (and on
// disk in the crash record) before it is made, with its inverse.
import { readFile, writeFile } from 'node:fs/promises';
import type { NetworkSetup } from '../../shared/network-setup.js';
import type { Rtnetlink } from './rtnetlink.js';
import type { SystemCommands } from './system-commands.js';
import { type JournalEntry, RP_FILTER_KEY } from './undo-journal.js';

/** What a step did, in words. Its journal entries go in before it changes anything; undoing
 * one whose change failed is harmless (a route already gone, a value already in place). */
export interface HardeningStep {
  changes: string[];
  warnings: { code: 'ipv6-not-blocked'; message: string }[];
}

/** The tunnel carries IPv4 only (Mode Config gives no INTERNAL_IP6): a full tunnel makes all
 * of IPv6 unreachable, as two halves that beat any default route whatever its metric. On-link
 * and link-local IPv6 (more specific routes) keep working, as the IPv4 LAN does. */
const IPV6_HALVES = [
  { net: '::/1', address: Buffer.alloc(16) },
  { net: '8000::/1', address: Buffer.concat([Buffer.from([0x80]), Buffer.alloc(15)]) },
];

/** Kernels without IPv6, or with it switched off: nothing can leak. */
const IPV6_OFF = /Address family not supported|Permission denied|IPv6 is disabled/i;

/** Makes IPv6 unreachable (by rtnetlink, as the IPv4 routes); `journal` is called with the
 * entries before anything is changed. */
export function blockIpv6(
  netlink: Rtnetlink,
  journal: (entries: JournalEntry[]) => void,
): HardeningStep {
  const entries: JournalEntry[] = IPV6_HALVES.map(({ net }) => ({
    what: `IPv6 ${net} unreachable while the full tunnel is up`,
    undo: { program: 'ip', args: ['route', 'del', 'unreachable', net] },
  }));
  journal(entries);
  let failed: Error | undefined;
  for (const { address } of IPV6_HALVES) {
    try {
      netlink.addUnreachableIpv6(address, 1);
    } catch (error) {
      failed = error as Error;
      break;
    }
  }
  if (!failed) return { changes: entries.map((e) => e.what), warnings: [] };
  if (IPV6_OFF.test(failed.message))
    return { changes: ['IPv6 is off on this host: nothing to block'], warnings: [] };
  return {
    changes: [],
    warnings: [
      {
        code: 'ipv6-not-blocked',
        message: `This full tunnel carries IPv4 only, and IPv6 could not be blocked beside it (${failed.message}): IPv6 traffic may leave outside the tunnel.`,
      },
    ],
  };
}

/** rp_filter=1 on the TUN. The kernel applies the larger of conf/all and the interface's value,
 * so a host set to loose (2) for all interfaces stays loose: said in the changes. */
export async function strictReversePath(
  commands: SystemCommands,
  setup: NetworkSetup,
  journal: (entries: JournalEntry[]) => void,
): Promise<HardeningStep> {
  const key = `net.ipv4.conf.${setup.tunName}.rp_filter`;
  if (!RP_FILTER_KEY.test(key)) return { changes: [], warnings: [] };
  const before = await readSysctl(commands, key);
  const all = await readSysctl(commands, 'net.ipv4.conf.all.rp_filter');
  if (before === undefined)
    return { changes: [`reverse-path filter on ${setup.tunName} unknown: not set`], warnings: [] };
  if (before !== '1') {
    journal([
      {
        what: `strict reverse-path filter on ${setup.tunName}`,
        undo: { program: 'sysctl', key, value: before },
      },
    ]);
    const failure = await writeSysctl(commands, key, '1');
    if (failure !== undefined)
      return {
        changes: [`reverse-path filter on ${setup.tunName} not set: ${failure}`],
        warnings: [],
      };
  }
  return {
    changes: [
      all === '2'
        ? `rp_filter=1 on ${setup.tunName}, but the host's conf/all is 2 (loose), which the kernel applies`
        : `strict reverse-path filter (rp_filter=1) on ${setup.tunName}`,
    ],
    warnings: [],
  };
}

type RpFilter = '0' | '1' | '2';

/** In this process's own namespace (the CLI as root, the helper) /proc/sys directly: no
 * program to spawn while the connect waits. Elsewhere `sysctl` inside the namespace. */
const procPath = (key: string) => `/proc/sys/${key.replaceAll('.', '/')}`;

async function readSysctl(commands: SystemCommands, key: string): Promise<RpFilter | undefined> {
  const value =
    commands.netns === undefined
      ? await readFile(procPath(key), 'utf8').catch(() => undefined)
      : await commands.tool('sysctl', ['-n', key]).then(
          (result) => (result.exitCode === 0 ? result.stdout : undefined),
          () => undefined,
        );
  const trimmed = value?.trim();
  return trimmed === '0' || trimmed === '1' || trimmed === '2' ? trimmed : undefined;
}

/** undefined when written, else why not */
async function writeSysctl(
  commands: SystemCommands,
  key: string,
  value: RpFilter,
): Promise<string | undefined> {
  if (commands.netns === undefined)
    return writeFile(procPath(key), value).then(
      () => undefined,
      (error: Error) => error.message,
    );
  const result = await commands.tool('sysctl', ['-q', '-w', `${key}=${value}`]);
  return result.exitCode === 0 ? undefined : result.stderr.trim() || `exit ${result.exitCode}`;
}
