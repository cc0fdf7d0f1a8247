// The privileged side of one tunnel, in this process: the UDP legs, the TUN device, the ESP
// SAs and the OS network configuration, behind the IkeChannel interface the engine holds.
// ESP runs in the addon (NativeEspEngine, OpenSSL EVP) and so does the loop that carries it
// (UdpLegs' data path): no JavaScript per packet or batch; this side installs and removes SAs,
// reads the counters once a second and passes the data path's events on.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type {
  AppliedNetwork,
  DataPlaneEvent,
  IkeChannel,
  IkeLeg,
  OpenIkeOptions,
} from '../shared/dataplane-port.js';
import { type EspSaPair, wipeSaKeys } from '../shared/esp-sa.js';
import type { NetworkSetup } from '../shared/network-setup.js';
import { NativeEspEngine } from './esp/index.js';
import {
  type CleanupReport,
  type ConfiguratorOptions,
  DEFAULT_STATE_DIR,
  type NetworkConfigurator,
  cleanupStale,
  createConfigurator,
} from './netconfig/index.js';
import { type Release, lockdownHolds } from './lockdown-holds.js';
import { type TunDevice, openTun } from './tun/index.js';
import { UdpLegs } from './udp-legs.js';

const COUNTERS_INTERVAL_MS = 1000;

export class InProcessChannel implements IkeChannel {
  private ikeListener: (packet: Buffer, leg: IkeLeg) => void = () => undefined;
  private readonly eventListeners: ((event: DataPlaneEvent) => void)[] = [];
  private tun: TunDevice | undefined;
  private configurator: NetworkConfigurator | undefined;
  private countersTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly saIds = new Set<string>();
  /** the stale-record cleanup once started: rejects as cleanupStale() did */
  private staleCleaned: Promise<CleanupReport> | undefined;
  /** this channel's share of the profile's lockdown, from before the first IKE packet until
   * close(); a session's hold (lockdown-holds.ts) keeps the table up past it */
  private releaseLockdown: Release | undefined;

  private constructor(
    private readonly legs: UdpLegs,
    private readonly esp: NativeEspEngine,
    private readonly configOptions: ConfiguratorOptions,
  ) {}

  static async open(
    options: OpenIkeOptions,
    configOptions: ConfiguratorOptions,
  ): Promise<InProcessChannel> {
    // the sockets deliver before the channel exists only in theory; route through a holder
    const holder: { channel?: InProcessChannel } = {};
    const esp = new NativeEspEngine({
      onRekeyNeeded: (saId, reason) => holder.channel?.emit({ type: 'rekey-needed', saId, reason }),
      onExpired: (saId, reason) => holder.channel?.emit({ type: 'sa-expired', saId, reason }),
    });
    const releaseLockdown = await lockDown(options, configOptions);
    const legs = await UdpLegs.open(options, esp, {
      onIke: (packet, leg) => holder.channel?.ikeListener(packet, leg),
      onError: (leg, error) =>
        holder.channel?.emit({
          type: 'log',
          level: 'debug',
          message: `UDP ${leg} leg: ${error.message}`,
        }),
    }).catch(async (error: unknown) => {
      await releaseLockdown?.();
      throw error;
    });
    holder.channel = new InProcessChannel(legs, esp, configOptions);
    holder.channel.releaseLockdown = releaseLockdown;
    return holder.channel;
  }

  get localAddress(): string {
    return this.legs.localAddress;
  }
  get localPort(): number {
    return this.legs.localPort;
  }
  get localNattPort(): number {
    return this.legs.localNattPort;
  }

  send(packet: Buffer, leg: IkeLeg): void {
    this.legs.sendIke(packet, leg);
    // on the turn after the first message has left: the cleanup's own work then fits in the
    // wait for the gateway's answer instead of delaying the message or the events about it
    this.staleCleaned ??= this.cleanupStale(nextTurn());
  }

  /** A previous run that was killed may have left routes behind: its crash record says which.
   * Restored while IKE runs, once `when` resolves; configureNetwork() waits for it. */
  private cleanupStale(when: Promise<unknown> = Promise.resolve()): Promise<CleanupReport> {
    const stateDir = this.configOptions.stateDir ?? DEFAULT_STATE_DIR;
    const cleaned = when.then(() => cleanupStale(stateDir, this.configOptions));
    // configureNetwork() reports a failure; a channel closed before that has nothing to report
    cleaned.catch(() => undefined);
    return cleaned;
  }

  onPacket(listener: (packet: Buffer, leg: IkeLeg) => void): void {
    this.ikeListener = listener;
  }

  onEvent(listener: (event: DataPlaneEvent) => void): void {
    this.eventListeners.push(listener);
  }

  private emit(event: DataPlaneEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  setKeepalive(intervalSeconds: number): void {
    this.legs.setKeepalive(intervalSeconds);
  }

  lastInboundAt(): number {
    return this.legs.lastInboundAt;
  }

  /** The keys go into the addon once and are wiped here (the engine's are views of KEYMAT it
   * no longer needs; the helper's were parsed for this call). */
  async installSa(sa: EspSaPair): Promise<void> {
    try {
      this.esp.install(sa);
      this.saIds.add(sa.id);
    } finally {
      wipeSaKeys(sa);
    }
  }

  async removeSa(id: string): Promise<void> {
    this.esp.remove(id);
    this.saIds.delete(id);
  }

  /** What a killed earlier run left is part of this connect's story (routes we did not make). */
  private logCleanup(report: CleanupReport): void {
    const lines: [Extract<DataPlaneEvent, { type: 'log' }>['level'], string, string[]][] = [
      ['info', 'restored what a killed run left', report.restored],
      ['debug', 'crash record of a live process', report.skipped],
      ['debug', 'crash record of another network namespace', report.elsewhere],
      ['error', 'stale crash record', report.failed],
    ];
    for (const [level, what, items] of lines)
      for (const item of items) this.emit({ type: 'log', level, message: `${what}: ${item}` });
  }

  async configureNetwork(setup: NetworkSetup): Promise<AppliedNetwork> {
    this.logCleanup(await (this.staleCleaned ??= this.cleanupStale()));
    const tun = openTun({ name: setup.tunName, mtu: setup.mtu });
    this.tun = tun;
    tun.onError((error) =>
      this.emit({
        type: 'failure',
        code: 'tun-failed',
        message: `the TUN device failed: ${error.message}`,
      }),
    );
    this.legs.attachTun(tun);
    const configurator = createConfigurator(setup, this.configOptions);
    const applied = await configurator.apply({ ...setup, tunName: tun.name });
    this.configurator = configurator;
    this.countersTimer = setInterval(() => {
      const counters = this.esp.counters();
      counters.total.sendErrors += this.legs.sendErrors;
      this.emit({ type: 'counters', counters });
    }, COUNTERS_INTERVAL_MS);
    this.countersTimer.unref();
    return applied;
  }

  async deconfigureNetwork(): Promise<void> {
    clearInterval(this.countersTimer);
    const configurator = this.configurator;
    this.configurator = undefined;
    try {
      await configurator?.undo();
    } finally {
      this.legs.attachTun(undefined);
      this.tun?.close();
      this.tun = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.legs.setKeepalive(0);
    try {
      await this.deconfigureNetwork();
    } finally {
      for (const id of this.saIds) this.esp.remove(id);
      this.saIds.clear();
      this.legs.close();
      await this.releaseLockdown?.();
    }
  }
}

/** Only the tunnel and this gateway's IKE/NAT-T ports, before anything is sent. */
async function lockDown(
  options: OpenIkeOptions,
  configOptions: ConfiguratorOptions,
): Promise<Release | undefined> {
  if (!options.lockdown) return undefined;
  return lockdownHolds.acquire(
    {
      tunName: options.lockdown.tunName,
      gateway: options.gateway,
      ports: [options.gatewayPort ?? 500, options.gatewayNattPort ?? 4500],
    },
    configOptions,
  );
}
