// One VPN connection as one story: resolve, phase 1, XAuth, Mode Config, Quick Mode, data
// plane and network; then keep it alive (DPD, rekey) until disconnect or failure. Every step
// is an event; every failure an EngineError with a stable code.
import { randomInt } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AppliedNetwork, DataPlaneEvent, IkeChannel } from '../shared/dataplane-port.js';
import type { EspSaPair } from '../shared/esp-sa.js';
import type { ConnectionState, EngineEvent, ErrorCode, Phase } from '../shared/events.js';
import type { ModeConfigResult, NetworkSetup } from '../shared/network-setup.js';
import { formatNet } from '../shared/net.js';
import { type ConnectOptions, EngineError, type VpnConnection } from './api.js';
import { EventHub } from './event-hub.js';
import { DeadPeerDetector } from './exchanges/dpd.js';
import {
  deleteEspSa,
  deleteIkeSa,
  isInformational,
  openInformational,
  sealInformational,
} from './exchanges/informational.js';
import { pullModeConfig } from './exchanges/mode-config.js';
import { runQuickMode } from './exchanges/quick-mode.js';
import { runXauth } from './exchanges/xauth.js';
import { Logger } from './logger.js';
import { DEFAULT_RETRANSMIT, Messenger } from './messenger.js';
import { tunnelMtu } from './mtu.js';
import { isErrorNotification, notifyError, notifyName } from './notify-errors.js';
import { type Phase1Result, runPhase1 } from './phase1.js';
import { DH_GROUPS, parseEspProposal } from './proposals.js';
import { HashMismatchError } from './protected-message.js';
import { DecodeError } from './wire/codec.js';
import { EncapsulationMode, ExchangeType, NotifyType, ProtocolId } from './wire/constants.js';
import type { RawMessage } from './wire/message.js';

export const APPLICATION_VERSION = 'Roadwarrior 0.1 (IKEv1)';
const NAT_KEEPALIVE_SECONDS = 20;
/** how long the old SA keeps accepting inbound packets after a rekey */
const REKEY_GRACE_MS = 3000;
const GATEWAY_STEP_TIMEOUT_MS = 15_000;

interface ChildSa {
  pair: EspSaPair;
  rekeyTimer?: NodeJS.Timeout;
  rekeyCount: number;
}

export class Connection implements VpnConnection {
  state: ConnectionState = 'idle';
  readonly connected: Promise<void>;
  readonly closed: Promise<EngineError | undefined>;
  private readonly hub = new EventHub();
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private resolveConnected: () => void = () => undefined;
  private rejectConnected: (error: EngineError) => void = () => undefined;
  private resolveClosed: (error: EngineError | undefined) => void = () => undefined;
  private channel: IkeChannel | undefined;
  private messenger: Messenger | undefined;
  private phase1: Phase1Result | undefined;
  private modeConfig: ModeConfigResult | undefined;
  private dpd: DeadPeerDetector | undefined;
  private readonly children: ChildSa[] = [];
  private readonly usedMessageIds = new Set<number>();
  private gatewayAddress = '';
  private ending = false;
  private saCounter = 0;

  constructor(private readonly options: ConnectOptions) {
    this.log = new Logger(
      (level, phase, message) => this.emit({ type: 'log', at: Date.now(), level, phase, message }),
      options.logLevel ?? 'info',
    );
    this.connected = new Promise((resolve, reject) => {
      this.resolveConnected = resolve;
      this.rejectConnected = reject;
    });
    this.connected.catch(() => undefined);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    setImmediate(() => void this.run());
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    return this.hub.on(listener);
  }

  private emit(event: EngineEvent): void {
    this.hub.emit(event);
  }

  private setState(
    state: ConnectionState,
    extra: { virtualIp?: string; detail?: string } = {},
  ): void {
    if (this.state === state) return;
    const previous = this.state;
    this.state = state;
    this.emit({
      type: 'state',
      at: Date.now(),
      state,
      previous,
      gateway: this.options.profile.gateway,
      ...extra,
    });
  }

  private newMessageId = (): number => {
    for (;;) {
      const id = randomInt(1, 0xffffffff);
      if (!this.usedMessageIds.has(id)) {
        this.usedMessageIds.add(id);
        return id;
      }
    }
  };

  private async run(): Promise<void> {
    const { profile } = this.options;
    try {
      this.gatewayAddress = await resolveGateway(profile.gateway);
      const channel = await this.options.dataPlane.openIke({
        gateway: this.gatewayAddress,
        gatewayPort: profile.gatewayPort,
        gatewayNattPort: profile.gatewayNattPort,
      });
      this.channel = channel;
      channel.onEvent((event) => this.onDataPlaneEvent(event));
      const messenger = new Messenger(
        channel,
        this.options.timing ?? DEFAULT_RETRANSMIT,
        this.log,
        this.gatewayAddress,
      );
      this.messenger = messenger;
      messenger.setDispatcher((message) => this.dispatch(message));
      this.log.info(
        'session',
        `connecting to ${profile.gateway} (${this.gatewayAddress}) from UDP ports ${channel.localPort}/${channel.localNattPort}`,
      );

      const groupPsk = await this.options.credentials.groupPsk();
      this.checkAborted();
      const phase1 = await runPhase1({
        profile,
        channel,
        messenger,
        log: this.log,
        groupPsk,
        gatewayAddress: this.gatewayAddress,
        onStep: (step) => this.setState(step),
      });
      this.phase1 = phase1;
      this.emitIkeSa(phase1);

      if (profile.authMethod === 'xauth-psk') {
        this.setState('xauth');
        await runXauth({
          sa: phase1.sa,
          messenger,
          credentials: this.options.credentials,
          username: profile.username,
          log: this.log,
          signal: this.abort.signal,
          timeoutMs: GATEWAY_STEP_TIMEOUT_MS,
        });
      }
      this.checkAborted();
      this.setState('modecfg');
      const config = await pullModeConfig({
        sa: phase1.sa,
        messenger,
        log: this.log,
        applicationVersion: APPLICATION_VERSION,
        newMessageId: this.newMessageId,
      });
      this.modeConfig = config;
      this.options.credentials.savePasswordPolicy?.(config.savePassword === true);
      this.log.info(
        'modecfg',
        `virtual IP ${config.internalIp4}, DNS ${config.dns.join(' ') || 'none'}, split ${config.splitInclude.map((s) => formatNet(s.network)).join(' ') || 'none (full tunnel)'}`,
      );

      const child = await this.negotiateChild(false);
      this.checkAborted();
      const mtu = profile.mtu ?? tunnelMtu(child.pair.encryption, child.pair.integrity);
      const applied = await configureOrExplain(channel, {
        tunName: profile.tunName,
        mtu,
        gateway: this.gatewayAddress,
        config: this.effectiveConfig(config),
        script: this.options.skipNetworkConfig
          ? 'none'
          : profile.script === 'builtin'
            ? 'builtin'
            : { path: profile.script },
        skipDns: this.options.skipDns ?? false,
      });
      this.emit({
        type: 'network',
        at: Date.now(),
        tunName: applied.tunName,
        mtu: applied.mtu,
        internalIp4: config.internalIp4,
        dns: config.dns,
        nbns: config.nbns,
        defaultDomain: config.defaultDomain,
        splitDns: config.splitDns,
        splitInclude: this.effectiveConfig(config).splitInclude,
        splitExclude: config.splitExclude,
        banner: config.banner,
        savePasswordAllowed: config.savePassword,
        changes: applied.changes,
      });
      channel.setKeepalive(NAT_KEEPALIVE_SECONDS);
      this.startDpd(phase1);
      this.setState('connected', { virtualIp: config.internalIp4 });
      this.resolveConnected();
    } catch (error) {
      await this.fail(error);
    }
  }

  /** A profile's split-tunnel override replaces what the gateway sent. */
  private effectiveConfig(config: ModeConfigResult): ModeConfigResult {
    const override = this.options.profile.splitTunnelOverride;
    if (!override) return config;
    return {
      ...config,
      splitInclude: override.map((cidr) => {
        const [address = '0.0.0.0', prefix = '32'] = cidr.split('/');
        return {
          network: { address, prefix: Number(prefix) },
          protocol: 0,
          sourcePort: 0,
          destinationPort: 0,
        };
      }),
    };
  }

  private pfsGroup(): number | undefined {
    const { pfs } = this.options.profile;
    if (pfs === 'off') return undefined;
    if (pfs === 'auto') return this.modeConfig?.pfs ? this.phase1?.chosen.group : undefined;
    return DH_GROUPS[pfs];
  }

  /** Quick Mode for a new child SA; installs it in the data plane. */
  private async negotiateChild(rekey: boolean): Promise<ChildSa> {
    const phase1 = this.requirePhase1();
    const channel = this.channel as IkeChannel;
    const { profile } = this.options;
    const virtualIp = this.modeConfig?.internalIp4 as string;
    const id = `sa${++this.saCounter}`;
    const result = await runQuickMode(
      {
        proposals: profile.espProposals.map(parseEspProposal),
        encapsulationMode:
          phase1.nat.mode === 'rfc3947'
            ? EncapsulationMode.UdpTunnel
            : EncapsulationMode.UdpTunnelDraft,
        lifetime: {
          seconds: profile.ipsecLifetimeSeconds,
          kilobytes: profile.ipsecLifetimeKilobytes,
        },
        pfsGroup: this.pfsGroup(),
        local: { address: virtualIp, prefix: 32 },
        remote: { address: '0.0.0.0', prefix: 0 },
        replayWindow: 1024,
        saId: id,
      },
      {
        sa: phase1.sa,
        messenger: this.messenger as Messenger,
        log: this.log,
        messageId: this.newMessageId(),
        onSent: (step) => {
          if (!rekey) this.setState(step);
        },
      },
    );
    await channel.installSa(result.pair);
    const child: ChildSa = {
      pair: result.pair,
      rekeyCount: rekey ? (this.children.at(-1)?.rekeyCount ?? 0) + 1 : 0,
    };
    this.children.push(child);
    this.scheduleRekey(child);
    this.emitIpsecSa(child, 'installed', result.pfsGroup);
    this.log.info(
      'phase2',
      `ESP SA ${result.proposal.text} in ${hex(result.pair.inbound.spi)} out ${hex(result.pair.outbound.spi)}, lifetime ${result.pair.lifetime.seconds} s`,
    );
    return child;
  }

  /** Rekey before the hard lifetime with some jitter, so both ends do not rekey at once. */
  private scheduleRekey(child: ChildSa): void {
    const lifetimeMs = child.pair.lifetime.seconds * 1000;
    const margin =
      Math.min(Math.max(lifetimeMs * 0.1, 5_000), 540_000) +
      randomInt(0, Math.max(1, Math.floor(lifetimeMs * 0.05)));
    child.rekeyTimer = setTimeout(
      () => void this.rekey(child, 'lifetime'),
      Math.max(1_000, lifetimeMs - margin),
    );
  }

  private async rekey(old: ChildSa, reason: string): Promise<void> {
    if (this.state !== 'connected' || !this.children.includes(old)) return;
    clearTimeout(old.rekeyTimer);
    this.setState('rekeying', { detail: reason });
    try {
      await this.negotiateChild(true);
      this.setState('connected', { virtualIp: this.modeConfig?.internalIp4 });
      // make before break: the old SA keeps receiving until the gateway has switched
      setTimeout(() => void this.retireChild(old, true), REKEY_GRACE_MS).unref();
    } catch (error) {
      await this.fail(error);
    }
  }

  private async retireChild(child: ChildSa, sendDelete: boolean): Promise<void> {
    const index = this.children.indexOf(child);
    if (index < 0) return;
    this.children.splice(index, 1);
    clearTimeout(child.rekeyTimer);
    if (sendDelete) this.sendInformational(deleteEspSa(child.pair.inbound.spi));
    await this.channel?.removeSa(child.pair.id);
    this.emitIpsecSa(child, 'deleted', undefined);
  }

  private startDpd(phase1: Phase1Result): void {
    const { profile } = this.options;
    if (!phase1.dpdSupported || profile.dpdDelaySeconds === 0) {
      this.log.info(
        'informational',
        'dead peer detection off (gateway does not support it or delay is 0)',
      );
      return;
    }
    this.dpd = new DeadPeerDetector(
      { delaySeconds: profile.dpdDelaySeconds, retries: profile.dpdRetries },
      {
        sa: phase1.sa,
        messenger: this.messenger as Messenger,
        log: this.log,
        lastInboundAt: () => this.channel?.lastInboundAt() ?? 0,
        newMessageId: this.newMessageId,
        onDead: (message) =>
          void this.fail(new EngineError('peer-dead', `the gateway stopped answering: ${message}`)),
      },
    );
    this.dpd.start();
  }

  /** Messages nobody waits for: informational (DPD, DELETE, notifications) and the like. */
  private dispatch(message: RawMessage): boolean {
    const phase1 = this.phase1;
    if (!phase1) return false;
    if (isInformational(message)) {
      if (!(message.header.flags & 1)) {
        this.log.debug('informational', 'ignored an unauthenticated informational message');
        return true;
      }
      try {
        const content = openInformational(phase1.sa, message);
        for (const notification of content.notifications)
          this.onNotification(notification.notifyType, notification.data);
        for (const deletion of content.deletes) this.onDelete(deletion.protocolId, deletion.spis);
      } catch (error) {
        if (error instanceof HashMismatchError || error instanceof DecodeError) {
          this.log.debug('informational', `dropped an informational message: ${error.message}`);
          return true;
        }
        throw error;
      }
      return true;
    }
    if (message.header.exchangeType === ExchangeType.QuickMode && this.state === 'connected') {
      this.log.warn(
        'phase2',
        'the gateway started a Quick Mode of its own; not supported yet, ignored',
      );
      return true;
    }
    return false;
  }

  private onNotification(type: number, data: Buffer): void {
    if (type === NotifyType.DpdRUThere && data.length === 4) {
      this.dpd?.answer(data.readUInt32BE(0));
      return;
    }
    if (type === NotifyType.DpdRUThereAck && data.length === 4) {
      if (!this.dpd?.acknowledge(data.readUInt32BE(0)))
        this.log.debug(
          'informational',
          'ignored an R-U-THERE-ACK with an unexpected sequence number',
        );
      return;
    }
    if (isErrorNotification(type)) {
      const stage =
        this.state === 'connected' || this.state === 'rekeying' ? 'phase2' : 'after-phase1';
      const error = notifyError(type, stage);
      if (this.state === 'connected') this.log.warn('informational', error.message);
      else void this.fail(error);
      return;
    }
    this.log.debug('informational', `gateway status: ${notifyName(type)}`);
  }

  private onDelete(protocolId: number, spis: Buffer[]): void {
    if (protocolId === ProtocolId.Isakmp) {
      this.log.info('informational', 'the gateway deleted the IKE SA');
      void this.fail(
        new EngineError(
          this.state === 'xauth' ? 'xauth-rejected' : 'deleted-by-peer',
          this.state === 'xauth'
            ? 'the gateway ended the session during XAuth: username or password rejected'
            : 'the gateway closed the connection (DELETE)',
        ),
        false,
      );
      return;
    }
    if (protocolId !== ProtocolId.Esp) return;
    for (const spi of spis) {
      if (spi.length !== 4) continue;
      const child = this.children.find((c) => c.pair.outbound.spi === spi.readUInt32BE(0));
      if (!child) continue;
      this.log.info('informational', `the gateway deleted ESP SA ${hex(child.pair.outbound.spi)}`);
      const newest = this.children.at(-1) === child;
      void this.retireChild(child, false).then(() => {
        if (newest && this.state === 'connected') void this.replaceDeletedChild();
      });
    }
  }

  private async replaceDeletedChild(): Promise<void> {
    this.setState('rekeying', { detail: 'gateway deleted the ESP SA' });
    try {
      await this.negotiateChild(true);
      this.setState('connected', { virtualIp: this.modeConfig?.internalIp4 });
    } catch (error) {
      await this.fail(error);
    }
  }

  private sendInformational(payload: Parameters<typeof sealInformational>[2]): void {
    if (!this.phase1 || !this.messenger) return;
    this.messenger.send(sealInformational(this.phase1.sa, this.newMessageId(), payload));
  }

  private onDataPlaneEvent(event: DataPlaneEvent): void {
    switch (event.type) {
      case 'counters':
        this.emit({
          type: 'counters',
          at: event.counters.at,
          sas: event.counters.sas,
          total: event.counters.total,
        });
        break;
      case 'log':
        if (this.log.enabled(event.level))
          this.emit({
            type: 'log',
            at: Date.now(),
            level: event.level,
            phase: 'dataplane',
            message: event.message,
          });
        break;
      case 'failure':
        void this.fail(
          new EngineError(portErrorCode(event.code) ?? 'dataplane-failed', event.message),
        );
        break;
      case 'rekey-needed': {
        const child = this.children.find((c) => c.pair.id === event.saId);
        if (child && this.children.at(-1) === child) void this.rekey(child, event.reason);
        break;
      }
    }
  }

  private emitIkeSa(phase1: Phase1Result): void {
    const channel = this.channel as IkeChannel;
    this.emit({
      type: 'sa',
      kind: 'ike',
      at: Date.now(),
      initiatorCookie: phase1.sa.initiatorCookie.toString('hex'),
      responderCookie: phase1.sa.responderCookie.toString('hex'),
      encryption: phase1.chosen.cipher === 'aes' ? `AES-CBC-${phase1.chosen.keyBits}` : '3DES-CBC',
      hash: phase1.chosen.hash.toUpperCase(),
      dhGroup: phase1.chosen.group,
      authMethod: this.options.profile.authMethod === 'psk' ? 'PSK' : 'XAUTH-PSK',
      lifetimeSeconds: phase1.lifetimeSeconds,
      natT: {
        mode: phase1.nat.mode,
        localBehindNat: phase1.nat.localBehindNat,
        peerBehindNat: phase1.nat.peerBehindNat,
        forced: phase1.nat.forced,
        localPort: channel.localNattPort,
        gatewayPort: this.options.profile.gatewayNattPort,
      },
      dpd: phase1.dpdSupported,
      peerVendorIds: phase1.peerVendorIds,
      peerId: phase1.peerId,
    });
  }

  private emitIpsecSa(
    child: ChildSa,
    status: 'installed' | 'deleted',
    pfsGroup: number | undefined,
  ): void {
    const { pair } = child;
    this.emit({
      type: 'sa',
      kind: 'ipsec',
      at: Date.now(),
      id: pair.id,
      spiIn: hex(pair.inbound.spi),
      spiOut: hex(pair.outbound.spi),
      transform: `ESP ${pair.encryption.toUpperCase()}-${pair.keyBits}${pair.integrity === 'none' ? '' : ` ${pair.integrity.toUpperCase()}`}`,
      pfsGroup,
      lifetimeSeconds: pair.lifetime.seconds,
      lifetimeKilobytes: pair.lifetime.kilobytes,
      localSelectors: pair.selectors.local,
      remoteSelectors: pair.selectors.remote,
      rekeyCount: child.rekeyCount,
      status,
    });
  }

  private requirePhase1(): Phase1Result {
    if (!this.phase1) throw new EngineError('internal', 'no IKE SA');
    return this.phase1;
  }

  private checkAborted(): void {
    if (this.abort.signal.aborted) throw new EngineError('cancelled', 'cancelled by the user');
  }

  async disconnect(): Promise<void> {
    if (this.ending) {
      await this.closed;
      return;
    }
    if (this.state === 'connected' || this.state === 'rekeying') {
      this.ending = true;
      this.setState('disconnecting');
      await this.teardown(true);
      this.setState('disconnected');
      this.resolveClosed(undefined);
      return;
    }
    this.abort.abort();
    await this.fail(new EngineError('cancelled', 'cancelled by the user'));
  }

  /** Ends the connection with an error; DELETEs go out when keys exist and the gateway still
   * holds the SA, so it keeps nothing half-open. */
  private async fail(error: unknown, notifyGateway = true): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    const engineError = toEngineError(error);
    const failedAt = this.state;
    this.emit({
      type: 'error',
      at: Date.now(),
      code: engineError.code,
      message: engineError.message,
      failedAt,
      fatal: true,
    });
    this.log.error(phaseOf(failedAt), engineError.message);
    await this.teardown(notifyGateway && engineError.code !== 'peer-dead');
    this.setState(engineError.code === 'cancelled' ? 'disconnected' : 'failed', {
      detail: engineError.code,
    });
    this.rejectConnected(engineError);
    this.resolveClosed(engineError);
  }

  private async teardown(sendDeletes: boolean): Promise<void> {
    this.dpd?.stop();
    for (const child of this.children) clearTimeout(child.rekeyTimer);
    if (sendDeletes && this.phase1) {
      for (const child of this.children)
        this.sendInformational(deleteEspSa(child.pair.inbound.spi));
      this.sendInformational(deleteIkeSa(this.phase1.sa));
    }
    this.messenger?.close();
    try {
      await this.channel?.close();
    } catch (error) {
      this.log.error('network', `cleanup failed: ${(error as Error).message}`);
    }
  }
}

/** Network set-up failures keep the data plane's own words, under a stable code. */
async function configureOrExplain(
  channel: IkeChannel,
  setup: NetworkSetup,
): Promise<AppliedNetwork> {
  try {
    return await channel.configureNetwork(setup);
  } catch (error) {
    throw new EngineError(
      'network-config-failed',
      `could not set up the tunnel interface and routes: ${(error as Error).message}`,
    );
  }
}

function phaseOf(state: ConnectionState): Phase {
  if (state.startsWith('am')) return 'phase1';
  if (state === 'xauth') return 'xauth';
  if (state === 'modecfg') return 'modecfg';
  if (state.startsWith('qm')) return 'phase2';
  return 'session';
}

/** Data-plane codes that mean something to the user on their own: the privileged helper is not
 * running, or went away (app/helper/client.ts). Other data-plane failures are 'dataplane-failed'. */
const PORT_ERROR_CODES = [
  'helper-unavailable',
  'helper-lost',
] as const satisfies readonly ErrorCode[];

function portErrorCode(code: unknown): ErrorCode | undefined {
  return PORT_ERROR_CODES.find((known) => known === code);
}

function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const portCode = error instanceof Error && 'code' in error && portErrorCode(error.code);
  if (portCode) return new EngineError(portCode, error.message);
  if (error instanceof DecodeError)
    return new EngineError(
      'malformed-response',
      `the gateway sent a malformed message: ${error.message}`,
    );
  if (error instanceof HashMismatchError)
    return new EngineError('malformed-response', error.message);
  return new EngineError(
    'internal',
    `internal error: ${error instanceof Error ? error.message : String(error)}`,
  );
}

async function resolveGateway(gateway: string): Promise<string> {
  if (isIP(gateway)) return gateway;
  try {
    return (await lookup(gateway, { family: 4 })).address;
  } catch (error) {
    throw new EngineError(
      'gateway-resolve-failed',
      `cannot resolve the gateway name ${gateway} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function hex(spi: number): string {
  return spi.toString(16).padStart(8, '0');
}
