// Lockdown ("always require VPN"): while a profile with `lockdown: true` connects, is connected
// or re-authenticates, an nftables table of its own lets traffic leave this host only through
// the tunnel, to loopback, or to the gateway's IKE and NAT-T ports (which carry ESP too). Its
// own table, so nobody else's rules are touched; a drop in any output chain drops the packet,
// whatever other tables accept. Journalled in a crash record before it exists, so a SIGKILLed
// process's lockdown is lifted by the next start's cleanupStale().
import { isIP } from 'node:net';
import type { ConfiguratorOptions } from './configurator.js';
import { CrashRecordFile, DEFAULT_STATE_DIR } from './crash-record.js';
import { NetworkConfigError } from './errors.js';
import { SystemCommands } from './system-commands.js';
import { type JournalEntry, LOCKDOWN_TABLE, replayUndo } from './undo-journal.js';

export interface LockdownSpec {
  /** the TUN the tunnel's traffic leaves by */
  tunName: string;
  gateway: string;
  /** the gateway's IKE and NAT-T ports */
  ports: number[];
}

const INTERFACE = /^[A-Za-z0-9_-]{1,15}$/;

/** One nft command line: add-then-delete-then-add replaces a table a crash left behind, all in
 * one transaction. */
export function lockdownRuleset(spec: LockdownSpec): string {
  const family = isIP(spec.gateway);
  if (!INTERFACE.test(spec.tunName) || family === 0 || spec.ports.length === 0)
    throw new NetworkConfigError('invalid-setup', 'lockdown: invalid interface or gateway');
  const ports = spec.ports.map((port) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new NetworkConfigError('invalid-setup', `lockdown: invalid port ${port}`);
    return String(port);
  });
  const table = `inet ${LOCKDOWN_TABLE}`;
  return [
    `add table ${table}`,
    `delete table ${table}`,
    `add table ${table}`,
    `add chain ${table} output { type filter hook output priority 0 ; policy drop ; }`,
    `add rule ${table} output oifname "lo" accept`,
    `add rule ${table} output oifname "${spec.tunName}" accept`,
    `add rule ${table} output ${family === 4 ? 'ip' : 'ip6'} daddr ${spec.gateway} udp dport { ${ports.join(', ')} } accept`,
    // an IPv6 gateway's next hop is found by neighbour discovery (RFC 4861 7), ICMPv6 that this
    // output hook sees (ARP, its IPv4 counterpart, never passes it); it never leaves the link
    ...(family === 6
      ? [`add rule ${table} output icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept`]
      : []),
  ].join(' ; ');
}

export class Lockdown {
  private readonly commands: SystemCommands;
  private record: CrashRecordFile | undefined;
  private readonly journal: JournalEntry[] = [
    { what: 'lockdown', undo: { program: 'nft', table: LOCKDOWN_TABLE } },
  ];

  constructor(private readonly options: ConfiguratorOptions = {}) {
    this.commands = new SystemCommands(options);
  }

  async apply(spec: LockdownSpec): Promise<void> {
    const ruleset = lockdownRuleset(spec);
    this.record = new CrashRecordFile(
      this.options.stateDir ?? DEFAULT_STATE_DIR,
      `lockdown-${spec.tunName}`,
    );
    this.record.write({
      version: 1,
      kind: 'builtin',
      pid: process.pid,
      netns: this.options.netns,
      tunName: spec.tunName,
      journal: this.journal,
    });
    const result = await this.commands.tool('nft', [ruleset]).catch((error: Error) => ({
      exitCode: -1,
      stderr: error.message,
    }));
    if (result.exitCode !== 0) {
      await this.remove();
      throw new NetworkConfigError(
        'ip-failed',
        `lockdown could not be set up (nft): ${result.stderr.trim() || `exit ${result.exitCode}`}`,
        { step: 'lockdown' },
      );
    }
  }

  /** Lifts the lockdown; safe to call twice. The record stays when nft could not. */
  async remove(): Promise<void> {
    if (!this.record) return;
    const left = await replayUndo(this.journal, this.commands);
    if (left.length > 0)
      throw new NetworkConfigError('undo-incomplete', `not undone: ${left.join('; ')}`);
    await this.record.remove();
    this.record = undefined;
  }
}
