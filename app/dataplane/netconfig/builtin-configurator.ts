// The built-in configurator (Linux, iproute2): TUN up with MTU, the virtual address as /32,
// escape routes for the gateway and Local-LAN networks through the original path, tunnel
// routes (split-include networks, or 0/1 + 128/1 for a full tunnel so the default route stays),
// strict reverse-path filtering on the TUN, for a full tunnel IPv6 made unreachable, and DNS
// through systemd-resolved (`~.` for a full tunnel). Addresses and routes go in by rtnetlink (no `ip` to spawn while
// the connect waits); every change is journalled with its `ip` inverse, and the journal is on disk
// (crash record) before the change is made.
import type { AppliedNetwork } from '../../shared/dataplane-port.js';
import type { NetworkSetup } from '../../shared/network-setup.js';
import type { ConfiguratorOptions, NetworkConfigurator } from './configurator.js';
import { CrashRecordFile, DEFAULT_STATE_DIR } from './crash-record.js';
import { NetworkConfigError } from './errors.js';
import { applyResolvedDns, resolvedIsRunning, resolvedUndoEntry } from './resolved-dns.js';
import {
  type NetChange,
  type PlannedChange,
  ipv6Tunnel,
  isFullTunnel,
  planChanges,
} from './route-plan.js';
import { Rtnetlink } from './rtnetlink.js';
import { probeRoutes } from './route-probe.js';
import { checkSetup, rejectedDomains } from './setup-check.js';
import { SystemCommands } from './system-commands.js';
import { blockIpv6, strictReversePath } from './tunnel-hardening.js';
import { type JournalEntry, replayUndo } from './undo-journal.js';

export class BuiltinConfigurator implements NetworkConfigurator {
  private readonly commands: SystemCommands;
  private journal: JournalEntry[] = [];
  private record: CrashRecordFile | undefined;

  constructor(private readonly options: ConfiguratorOptions = {}) {
    this.commands = new SystemCommands(options);
  }

  async apply(setup: NetworkSetup): Promise<AppliedNetwork> {
    checkSetup(setup);
    if (this.record)
      throw new NetworkConfigError('invalid-setup', 'network already configured: undo first');
    const netlink = new Rtnetlink(this.options.netns);
    const { changes, notes } = planChanges(setup, probeRoutes(this.commands, setup, netlink));
    this.record = new CrashRecordFile(this.options.stateDir ?? DEFAULT_STATE_DIR, setup.tunName);
    try {
      this.applyRoutes(netlink, setup, changes);
      const full = isFullTunnel(setup);
      const journal = (entries: JournalEntry[]) => {
        this.journal = [...this.journal, ...entries];
        this.writeRecord(setup, this.journal);
      };
      const rpf = await strictReversePath(this.commands, setup, journal);
      // IPv6 the tunnel carries is routed into it (route-plan.ts); without it a full tunnel
      // keeps IPv6 from leaving beside it
      const ipv6 = full && ipv6Tunnel(setup) === 'none' ? blockIpv6(netlink, journal) : undefined;
      const dns = await this.applyDns(setup, full);
      const rejected = rejectedDomains(setup.config);
      const warnings = [...(ipv6?.warnings ?? []), ...dns.warnings];
      return {
        tunName: setup.tunName,
        mtu: setup.mtu,
        ...(warnings.length > 0 ? { warnings } : {}),
        changes: [
          ...changes.map((change) => change.what),
          ...rpf.changes,
          ...(ipv6?.changes ?? []),
          ...dns.changes,
          ...notes,
          ...(rejected.length > 0
            ? [`ignored invalid DNS names: ${JSON.stringify(rejected)}`]
            : []),
        ],
      };
    } catch (error) {
      const left = await replayUndo(this.journal, this.commands);
      if (left.length === 0) await this.forget();
      throw left.length === 0 || !(error instanceof NetworkConfigError)
        ? error
        : new NetworkConfigError(
            error.code,
            `${error.message}; not undone: ${left.join('; ')}`,
            error.detail,
          );
    }
  }

  async undo(): Promise<void> {
    if (!this.record) return;
    const left = await replayUndo(this.journal, this.commands);
    // the record stays when something is left: a later cleanupStale() retries
    if (left.length > 0)
      throw new NetworkConfigError('undo-incomplete', `not undone: ${left.join('; ')}`);
    await this.forget();
  }

  /** The changes in order, stopping at the first one the kernel refuses. */
  private applyRoutes(
    netlink: Rtnetlink,
    setup: NetworkSetup,
    changes: readonly PlannedChange[],
  ): void {
    const entries = changes.map((change) => ({
      what: change.what,
      undo: { program: 'ip' as const, args: change.undo },
    }));
    this.writeRecord(setup, entries);
    for (const [index, change] of changes.entries()) {
      try {
        makeChange(netlink, change.change);
      } catch (error) {
        // one request each: what the kernel refused was not made
        this.journal = entries.slice(0, index);
        throw new NetworkConfigError(
          'ip-failed',
          `network setup failed at "${change.what}": ${(error as Error).message}`,
          { step: change.what },
        );
      }
    }
    this.journal = entries;
  }

  /** A full tunnel whose DNS stays outside leaks every name looked up: a warning, not a note. */
  private async applyDns(
    setup: NetworkSetup,
    full: boolean,
  ): Promise<{ changes: string[]; warnings: { code: 'dns-not-set'; message: string }[] }> {
    if (setup.skipDns) return { changes: [], warnings: [] };
    const leak = (why: string) => ({
      changes: [`DNS not configured: ${why}`],
      warnings: full
        ? [
            {
              code: 'dns-not-set' as const,
              message: `All traffic goes through the tunnel, but DNS could not be pointed at the tunnel's servers (${why}): names you look up go to this network's DNS server, outside the tunnel.`,
            },
          ]
        : [],
    });
    if (setup.config.dns.length === 0 && setup.config.dns6.length === 0)
      return leak('the gateway sent no DNS servers');
    const resolvectl = this.options.resolvectl ?? 'resolvectl';
    if (!(await resolvedIsRunning(this.commands, resolvectl))) return leak('no systemd-resolved');
    this.journal = [...this.journal, resolvedUndoEntry(resolvectl, setup.tunName)];
    this.writeRecord(setup, this.journal);
    return {
      changes: await applyResolvedDns(this.commands, resolvectl, setup, full),
      warnings: [],
    };
  }

  private writeRecord(setup: NetworkSetup, journal: JournalEntry[]): void {
    this.record?.write({
      version: 1,
      kind: 'builtin',
      pid: process.pid,
      netns: this.options.netns,
      tunName: setup.tunName,
      journal,
    });
  }

  private async forget(): Promise<void> {
    await this.record?.remove();
    this.record = undefined;
    this.journal = [];
  }
}

function makeChange(netlink: Rtnetlink, change: NetChange): void {
  switch (change.kind) {
    case 'link':
      return netlink.setLinkUp(change.dev, change.mtu);
    case 'address':
      return netlink.addAddress(change.dev, change.address, change.prefix);
    case 'route':
      return netlink.addRoute(change.network, change.path);
  }
}
