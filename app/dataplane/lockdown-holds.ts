// Who keeps the lockdown table (netconfig/lockdown.ts) standing: each channel opened with
// lockdown, and a session that holds it between its channels (the desktop service's
// reconnects), so the table stands from the first channel until the last of them lets go and
// no attempt's end opens a gap. A channel that opens while the table stands takes it over: the
// ruleset is replaced in one nft transaction, the allowed IKE/NAT-T destination following the
// new attempt's gateway (a backup gateway, say).
import type { ConfiguratorOptions } from './netconfig/configurator.js';
import { Lockdown, type LockdownSpec } from './netconfig/lockdown.js';

export type Release = () => Promise<void>;

interface Entry {
  /** set up by the first channel; a hold alone sets up nothing */
  lockdown: Lockdown | undefined;
  holders: number;
}

export class LockdownHolds {
  private readonly entries = new Map<string, Entry>();
  /** a table being lifted: the next channel for the same TUN waits, or the lift could delete
   * the table it sets up */
  private readonly lifting = new Map<string, Promise<void>>();

  /** A channel's share: sets up (or takes over) the table for `spec`. */
  async acquire(spec: LockdownSpec, options: ConfiguratorOptions): Promise<Release> {
    const key = keyOf(spec.tunName, options);
    await this.lifting.get(key);
    const entry = this.join(key);
    try {
      entry.lockdown ??= new Lockdown(options);
      await entry.lockdown.apply(spec);
    } catch (error) {
      await this.leave(key, entry);
      throw error;
    }
    return once(() => this.leave(key, entry));
  }

  /** A session's share: keeps the table its channels set up standing between them. */
  hold(tunName: string, options: ConfiguratorOptions): Release {
    const key = keyOf(tunName, options);
    const entry = this.join(key);
    return once(() => this.leave(key, entry));
  }

  private join(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { lockdown: undefined, holders: 0 };
      this.entries.set(key, entry);
    }
    entry.holders++;
    return entry;
  }

  private async leave(key: string, entry: Entry): Promise<void> {
    entry.holders--;
    if (entry.holders > 0) return;
    this.entries.delete(key);
    const lifted = entry.lockdown?.remove() ?? Promise.resolve();
    const done = lifted.catch(() => undefined);
    this.lifting.set(key, done);
    try {
      await lifted;
    } finally {
      if (this.lifting.get(key) === done) this.lifting.delete(key);
    }
  }
}

/** This process's lockdowns: the in-process data plane's and, in the helper, every client's. */
export const lockdownHolds = new LockdownHolds();

function keyOf(tunName: string, options: ConfiguratorOptions): string {
  return `${options.netns ?? ''}/${tunName}`;
}

function once(release: Release): Release {
  let released: Promise<void> | undefined;
  return () => (released ??= release());
}
