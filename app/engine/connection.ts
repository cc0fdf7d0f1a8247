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
import { CryptoError } from './crypto/index.js';
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
import { type QuickModeResult, runQuickMode } from './exchanges/quick-mode.js';
import { answerQuickMode } from './exchanges/quick-mode-responder.js';
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
/** how long the old SA keeps accepting inbound packets after a rekey, whichever side started
 * it (strongSwan keeps an IKEv1 SA it rekeyed until its hard lifetime unless we delete it) */
const REKEY_GRACE_MS = 3000;
const GATEWAY_STEP_TIMEOUT_MS = 15_000;

interface ChildSa {
  pair: EspSaPair;
  /** the IKE SA it was negotiated under: DELETEs for it go there */
  ike: Phase1Result;
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
  private reauthTimer: NodeJS.Timeout | undefined;
  /** a DELETE of the IKE SA during XAuth is how some gateways say "wrong password" */
  private xauthRunning = false;
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

      const config = await this.authenticate(true);
      this.modeConfig = config;
      const phase1 = this.requirePhase1();

      const child = await this.negotiateChild(false);
      this.checkAborted();
      await this.configureNetwork(config, child);
      this.checkAborted();
      channel.setKeepalive(NAT_KEEPALIVE_SECONDS);
      this.startDpd(phase1);
      this.scheduleReauth(phase1);
      this.setState('connected', { virtualIp: config.internalIp4 });
      this.resolveConnected();
    } catch (error) {
      await this.fail(error);
    }
  }

  /** Phase 1, XAuth and Mode Config: a new IKE SA, which becomes the current one as soon as it
   * exists (the messenger now only takes its messages), and the tunnel's configuration. Each
   * XAuth round asks the credential provider, so a re-authentication asks again (the provider
   * knows from savePasswordPolicy whether it may answer from a stored password; OTP cannot). */
  private async authenticate(initialContact: boolean): Promise<ModeConfigResult> {
    const { profile } = this.options;
    const messenger = this.messenger as Messenger;
    const groupPsk = await this.options.credentials.groupPsk();
    this.checkAborted();
    const phase1 = await runPhase1({
      profile,
      channel: this.channel as IkeChannel,
      messenger,
      log: this.log,
      groupPsk,
      gatewayAddress: this.gatewayAddress,
      initialContact,
      onStep: (step) => {
        if (initialContact) this.setState(step);
      },
    });
    this.phase1 = phase1;
    this.emitIkeSa(phase1);

    if (profile.authMethod === 'xauth-psk') {
      if (initialContact) this.setState('xauth');
      this.xauthRunning = true;
      try {
        await runXauth({
          sa: phase1.sa,
          messenger,
          credentials: this.options.credentials,
          username: profile.username,
          log: this.log,
          signal: this.abort.signal,
          timeoutMs: GATEWAY_STEP_TIMEOUT_MS,
        });
      } finally {
        this.xauthRunning = false;
      }
    }
    this.checkAborted();
    if (initialContact) this.setState('modecfg');
    const config = await pullModeConfig({
      sa: phase1.sa,
      messenger,
      log: this.log,
      applicationVersion: APPLICATION_VERSION,
      newMessageId: this.newMessageId,
    });
    this.options.credentials.savePasswordPolicy?.(config.savePassword === true);
    this.log.info(
      'modecfg',
      `virtual IP ${config.internalIp4}, DNS ${config.dns.join(' ') || 'none'}, split ${config.splitInclude.map((s) => formatNet(s.network)).join(' ') || 'none (full tunnel)'}`,
    );
    return config;
  }

  private async configureNetwork(config: ModeConfigResult, child: ChildSa): Promise<void> {
    const { profile } = this.options;
    const mtu = profile.mtu ?? tunnelMtu(child.pair.encryption, child.pair.integrity);
    const applied = await configureOrExplain(this.channel as IkeChannel, {
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
  }

  /** Re-authenticate before the IKE SA expires (strongSwan and most head-ends cannot rekey an
   * IKEv1 phase 1), with the same margin and jitter as an ESP rekey. */
  private scheduleReauth(phase1: Phase1Result): void {
    clearTimeout(this.reauthTimer);
    this.reauthTimer = setTimeout(
      () => void this.reauthenticate(phase1),
      rekeyDelayMs(phase1.lifetimeSeconds),
    );
  }

  /** A fresh IKE SA (aggressive mode, XAuth, Mode Config) and fresh ESP SAs under it while the
   * current ones keep carrying traffic; then the old ESP SAs and the old IKE SA are deleted. */
  private async reauthenticate(old: Phase1Result): Promise<void> {
    if (this.phase1 !== old || this.ending) return;
    if (this.state !== 'connected') {
      // an ESP rekey is under way: try again shortly
      this.reauthTimer = setTimeout(() => void this.reauthenticate(old), 1_000);
      return;
    }
    this.setState('rekeying', { detail: 'the IKE SA expires: re-authenticating' });
    const oldChildren = [...this.children];
    const oldConfig = this.modeConfig as ModeConfigResult;
    // the old IKE SA's DPD answers would no longer reach us
    this.dpd?.stop();
    try {
      const config = await this.authenticate(false);
      const phase1 = this.requirePhase1();
      this.modeConfig = config;
      const child = await this.negotiateChild(true);
      if (
        config.internalIp4 !== oldConfig.internalIp4 ||
        config.internalIp4Netmask !== oldConfig.internalIp4Netmask
      ) {
        this.log.info('modecfg', 'the gateway assigned another address: reconfiguring');
        await (this.channel as IkeChannel).deconfigureNetwork();
        await this.configureNetwork(config, child);
      }
      // the old ESP SAs are not rekeyed any more: they go with the old IKE SA
      for (const oldChild of oldChildren) clearTimeout(oldChild.rekeyTimer);
      this.startDpd(phase1);
      this.scheduleReauth(phase1);
      this.setState('connected', { virtualIp: config.internalIp4 });
      setTimeout(() => void this.retireIkeSa(old, oldChildren), REKEY_GRACE_MS).unref();
    } catch (error) {
      await this.fail(error);
    }
  }

  /** After a re-authentication: DELETE the old ESP SAs, then the old IKE SA. The ESP DELETEs
   * go through the new IKE SA: IKEv1 does not tie an ESP SA to one IKE SA, and strongSwan moves
   * the ESP SAs of a re-authenticated peer to its new IKE SA, where it looks them up. */
  private async retireIkeSa(old: Phase1Result, children: ChildSa[]): Promise<void> {
    for (const child of children) await this.retireChild(child, this.phase1);
    this.sendInformational(deleteIkeSa(old.sa), old);
    this.log.info('phase1', 'deleted the previous IKE SA');
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

  /** What both Quick Mode roles offer or accept, from the profile and phase 1. */
  private espPolicy() {
    const { profile } = this.options;
    return {
      proposals: profile.espProposals.map(parseEspProposal),
      encapsulationMode:
        this.requirePhase1().nat.mode === 'rfc3947'
          ? EncapsulationMode.UdpTunnel
          : EncapsulationMode.UdpTunnelDraft,
      lifetime: {
        seconds: profile.ipsecLifetimeSeconds,
        kilobytes: profile.ipsecLifetimeKilobytes,
      },
      pfsGroup: this.pfsGroup(),
      replayWindow: 1024,
      saId: `sa${++this.saCounter}`,
    };
  }

  /** Quick Mode for a new child SA; installs it in the data plane. */
  private async negotiateChild(rekey: boolean): Promise<ChildSa> {
    const phase1 = this.requirePhase1();
    const virtualIp = this.modeConfig?.internalIp4 as string;
    const result = await runQuickMode(
      {
        ...this.espPolicy(),
        local: { address: virtualIp, prefix: 32 },
        remote: { address: '0.0.0.0', prefix: 0 },
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
    return this.installChild(
      result,
      phase1,
      rekey ? (this.children.at(-1)?.rekeyCount ?? 0) + 1 : 0,
    );
  }

  private async installChild(
    result: QuickModeResult,
    ike: Phase1Result,
    rekeyCount: number,
  ): Promise<ChildSa> {
    await (this.channel as IkeChannel).installSa(result.pair);
    // the connection may have ended while the data plane installed it
    this.checkAborted();
    const child: ChildSa = { pair: result.pair, ike, rekeyCount };
    this.children.push(child);
    this.scheduleRekey(child);
    this.emitIpsecSa(child, 'installed', result.pfsGroup);
    this.log.info(
      'phase2',
      `ESP SA ${result.proposal.text} in ${hex(result.pair.inbound.spi)} out ${hex(result.pair.outbound.spi)}, lifetime ${result.pair.lifetime.seconds} s`,
    );
    return child;
  }

  /** The gateway rekeys on its own (we are the Quick Mode responder): the new pair goes in
   * next to the old one, which the gateway's DELETE removes, or we do after the grace period. */
  private async answerGatewayRekey(request: RawMessage): Promise<void> {
    const phase1 = this.requirePhase1();
    const old = this.children.at(-1);
    if (!old) return;
    this.usedMessageIds.add(request.header.messageId);
    const [local, remote] = [old.pair.selectors.local[0], old.pair.selectors.remote[0]];
    if (!local || !remote) return;
    try {
      const answer = await answerQuickMode(
        request,
        { ...this.espPolicy(), selectors: { local, remote } },
        {
          sa: phase1.sa,
          messenger: this.messenger as Messenger,
          newMessageId: this.newMessageId,
        },
      );
      if (answer.status === 'refused') {
        this.log.warn('phase2', `refused the gateway's Quick Mode: ${answer.reason}`);
        return;
      }
      if (this.ending) return;
      this.log.info('phase2', 'the gateway rekeyed the ESP SA');
      clearTimeout(old.rekeyTimer);
      await this.installChild(answer.result, phase1, old.rekeyCount + 1);
      setTimeout(() => void this.retireChild(old, old.ike), REKEY_GRACE_MS).unref();
    } catch (error) {
      if (error instanceof HashMismatchError || error instanceof DecodeError) {
        this.log.debug('phase2', `dropped a Quick Mode message from the gateway: ${error.message}`);
        return;
      }
      // the old SA stays; if the gateway deleted it, replaceDeletedChild takes over
      this.log.warn(
        'phase2',
        `the gateway's Quick Mode failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private scheduleRekey(child: ChildSa): void {
    child.rekeyTimer = setTimeout(
      () => void this.rekey(child, 'lifetime'),
      rekeyDelayMs(child.pair.lifetime.seconds),
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
      setTimeout(() => void this.retireChild(old, old.ike), REKEY_GRACE_MS).unref();
    } catch (error) {
      await this.fail(error);
    }
  }

  /** Removes an ESP SA; `deleteVia` is the IKE SA to send its DELETE through, if one is due. */
  private async retireChild(child: ChildSa, deleteVia: Phase1Result | undefined): Promise<void> {
    const index = this.children.indexOf(child);
    if (index < 0) return;
    this.children.splice(index, 1);
    clearTimeout(child.rekeyTimer);
    if (deleteVia) this.sendInformational(deleteEspSa(child.pair.inbound.spi), deleteVia);
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
    if (
      message.header.exchangeType === ExchangeType.QuickMode &&
      (this.state === 'connected' || this.state === 'rekeying')
    ) {
      void this.answerGatewayRekey(message);
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
          this.xauthRunning ? 'xauth-rejected' : 'deleted-by-peer',
          this.xauthRunning
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
      void this.retireChild(child, undefined).then(() => {
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

  private sendInformational(
    payload: Parameters<typeof sealInformational>[2],
    via: Phase1Result | undefined = this.phase1,
  ): void {
    if (!via || !this.messenger) return;
    this.messenger.send(sealInformational(via.sa, this.newMessageId(), payload));
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
    // whatever still awaits a step (a prompt, the data plane) stops at its next checkAborted()
    this.abort.abort();
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
    clearTimeout(this.reauthTimer);
    for (const child of this.children) clearTimeout(child.rekeyTimer);
    if (sendDeletes && this.phase1) {
      // through the current IKE SA, as after a re-authentication (retireIkeSa)
      for (const child of this.children)
        this.sendInformational(deleteEspSa(child.pair.inbound.spi));
      // during a re-authentication, the previous IKE SA too
      for (const ike of new Set([...this.children.map((c) => c.ike), this.phase1]))
        this.sendInformational(deleteIkeSa(ike.sa), ike);
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
  // a key exchange value of the wrong length or outside the group (RFC 2409 5, RFC 5903)
  if (error instanceof CryptoError)
    return new EngineError(
      'malformed-response',
      `the gateway sent an unusable value: ${error.message}`,
    );
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

/** Renew before the hard lifetime: 10 % of it (5 s to 9 min) plus up to 5 % jitter, so both
 * ends do not renew at once. */
function rekeyDelayMs(lifetimeSeconds: number): number {
  const lifetimeMs = lifetimeSeconds * 1000;
  const margin =
    Math.min(Math.max(lifetimeMs * 0.1, 5_000), 540_000) +
    randomInt(0, Math.max(1, Math.floor(lifetimeMs * 0.05)));
  return Math.max(1_000, lifetimeMs - margin);
}

function hex(spi: number): string {
  return spi.toString(16).padStart(8, '0');
}
