// One VPN connection as one story: resolve, phase 1, XAuth, Mode Config, Quick Mode, data
// plane and network; then keep it alive (DPD, rekey) until disconnect or failure. Every step
// is an event; every failure an EngineError with a stable code.
import type { DataPlaneEvent, IkeChannel } from '../shared/dataplane-port.js';
import type { ConnectionState, EngineEvent, Phase } from '../shared/events.js';
import type { ModeConfigResult } from '../shared/network-setup.js';
import { formatNet } from '../shared/net.js';
import { AUTH_METHODS } from '../shared/profile.js';
import { type ConnectOptions, EngineError, type IkeEndpoints, type VpnConnection } from './api.js';
import { ChildSas } from './child-sas.js';
import { portErrorCode, toEngineError } from './engine-errors.js';
import { EventHub } from './event-hub.js';
import { eventTime } from './event-time.js';
import { resolveGateway } from './gateway-address.js';
import {
  Diagnoser,
  TappedIkeChannel,
  diagnosisContext,
  unreachableDetail,
} from './diagnosis/index.js';
import { IkeCapture } from './capture/ike-capture.js';
import { DeadPeerDetector } from './exchanges/dpd.js';
import { deleteEspSa, deleteIkeSa, isInformational } from './exchanges/informational.js';
import { answerModeConfigPush, runModeConfig } from './exchanges/mode-config.js';
import { isTransaction } from './exchanges/transaction.js';
import { meaningfulModeConfig } from './mode-config-meaning.js';
import { runXauth } from './exchanges/xauth.js';
import { IkeSaHolder } from './ike-sa-holder.js';
import { Logger } from './logger.js';
import { DEFAULT_RETRANSMIT, Messenger } from './messenger.js';
import { type Phase1Result, runPhase1 } from './phase1.js';
import { ikeSaEvent } from './sa-events.js';
import { type InformationalSession, answerInformational } from './tasks/informational.js';
import { Reauthentication } from './tasks/reauthentication.js';
import { type TaskName, TaskManager, untilAborted } from './tasks/task-manager.js';
import { UnauthenticatedError } from './unauthenticated.js';
import { WarningLedger, groupKeyWarning, phase1Warnings } from './security-warnings.js';
import { configureTunnel } from './tunnel-network.js';
import { DecodeError } from './wire/codec.js';
import { ExchangeType } from './wire/constants.js';
import type { RawMessage } from './wire/message.js';

export const APPLICATION_VERSION = 'Roadwarrior 0.1 (IKEv1)';
const NAT_KEEPALIVE_SECONDS = 20;
const GATEWAY_STEP_TIMEOUT_MS = 15_000;

export class Connection implements VpnConnection {
  state: ConnectionState = 'idle';
  readonly connected: Promise<void>;
  readonly closed: Promise<EngineError | undefined>;
  private readonly hub = new EventHub();
  private readonly log: Logger;
  /** our exchanges, one at a time; closed when the connection ends */
  private readonly tasks = new TaskManager();
  private resolveConnected: () => void = () => undefined;
  private rejectConnected: (error: EngineError) => void = () => undefined;
  private resolveClosed: (error: EngineError | undefined) => void = () => undefined;
  private channel: IkeChannel | undefined;
  /** the IKE SA, from the moment the channel is open */
  private ike: IkeSaHolder | undefined;
  private modeConfig: ModeConfigResult | undefined;
  private dpd: DeadPeerDetector | undefined;
  private readonly warnings = new WarningLedger();
  private readonly diagnoser: Diagnoser;
  private readonly childSas: ChildSas;
  private readonly reauthentication: Reauthentication;
  private gatewayAddress = '';
  /** the support bundle's cleartext tap, when the caller asked for one */
  private readonly capture: IkeCapture | undefined;

  constructor(private readonly options: ConnectOptions) {
    this.diagnoser = new Diagnoser(diagnosisContext(options), (event) => this.hub.emit(event));
    this.capture = options.ikeCapture
      ? new IkeCapture(options.ikeCapture, () => this.ikeEndpoints())
      : undefined;
    this.log = new Logger(
      (level, phase, message) => this.emit({ type: 'log', at: eventTime(), level, phase, message }),
      options.logLevel ?? 'info',
    );
    this.connected = new Promise((resolve, reject) => {
      this.resolveConnected = resolve;
      this.rejectConnected = reject;
    });
    this.connected.catch(() => undefined);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.childSas = new ChildSas({
      profile: options.profile,
      log: this.log,
      // child SAs come after phase 1, when the IKE SA exists
      ike: () => this.requireIke(),
      tasks: this.tasks,

      modeConfig: () => this.modeConfig,
      emit: (event) => this.emit(event),
      renew: (name, detail, work, due) => this.renew(name, detail, work, due),
    });
    this.reauthentication = new Reauthentication({
      log: this.log,
      childSas: this.childSas,
      ike: () => this.requireIke(),
      authenticate: () => this.authenticate(false),
      modeConfig: () => this.modeConfig as ModeConfigResult,
      setModeConfig: (config) => (this.modeConfig = config),
      reconfigure: (config) => this.reconfigure(config),
      runDpd: (phase1) => (phase1 ? this.startDpd(phase1) : this.dpd?.stop()),
      renew: (name, detail, work, due) => this.renew(name, detail, work, due),
    });

    setImmediate(() => void this.run());
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    return this.hub.on(listener);
  }

  private emit(event: EngineEvent): void {
    if (event.type === 'warning' && !this.warnings.isNew(event)) return;
    this.hub.emit(event);
    if (event.type === 'state' || event.type === 'counters')
      this.diagnoser.observe({ kind: 'event', at: eventTime(), event });
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
      at: eventTime(),
      state,
      previous,
      gateway: this.options.profile.gateway,
      ...extra,
    });
  }

  private async run(): Promise<void> {
    const { profile } = this.options;
    try {
      this.gatewayAddress = await resolveGateway(profile.gateway);
      const channel = new TappedIkeChannel(
        await this.options.dataPlane.openIke({
          gateway: this.gatewayAddress,
          gatewayPort: profile.gatewayPort,
          gatewayNattPort: profile.gatewayNattPort,
          ...(profile.lockdown ? { lockdown: { tunName: profile.tunName } } : {}),
        }),
        (fact) => this.diagnoser.observe(fact),
        (packet, direction, leg) => this.capture?.datagram(packet, direction, leg),
      );
      this.channel = channel;
      channel.onEvent((event) => this.onDataPlaneEvent(event));
      const messenger = new Messenger(
        channel,
        this.options.timing ?? DEFAULT_RETRANSMIT,
        this.log,
        this.gatewayAddress,
      );
      this.ike = new IkeSaHolder(channel, messenger);
      messenger.setDispatcher((message) => this.dispatch(message));
      this.log.info(
        'session',
        `connecting to ${profile.gateway} (${this.gatewayAddress}) from UDP ports ${channel.localPort}/${channel.localNattPort}`,
      );
      await this.tasks.queue({ name: 'connect', run: () => this.connect(channel) });
    } catch (error) {
      await this.fail(error);
    }
  }

  /** The first task: a new IKE SA, the first ESP SA, the tunnel's network; then the timers
   * that keep it (DPD, re-authentication). */
  private async connect(channel: IkeChannel): Promise<void> {
    const config = await this.authenticate(true);
    this.modeConfig = config;
    const phase1 = this.requireIke().require();
    await this.childSas.establish(false, (step) => this.setState(step));
    this.tasks.checkOpen();
    await this.configureNetwork(config);
    this.tasks.checkOpen();
    channel.setKeepalive(NAT_KEEPALIVE_SECONDS);
    this.startDpd(phase1);
    this.reauthentication.schedule(phase1);
    this.setState('connected', { virtualIp: config.internalIp4 });
    this.resolveConnected();
  }

  /** Phase 1, XAuth and Mode Config: a new IKE SA, which becomes the current one as soon as it
   * exists (the messenger now only takes its messages), and the tunnel's configuration. Each
   * XAuth round asks the credential provider, so a re-authentication asks again (the provider
   * knows from savePasswordPolicy whether it may answer from a stored password; OTP cannot). */
  private async authenticate(initialContact: boolean): Promise<ModeConfigResult> {
    const { profile } = this.options;
    const ike = this.requireIke();
    const { messenger } = ike;
    // certificate methods need no group key: nobody is asked for one
    const groupPsk = AUTH_METHODS[profile.authMethod].groupKey
      ? this.options.credentials.groupPsk()
      : undefined;
    // runPhase1 awaits it after building message 1; a failure before that leaves it unawaited
    groupPsk?.catch(() => undefined);
    const phase1 = await this.tasks.inStep('phase1', () =>
      runPhase1({
        profile,
        channel: ike.channel,
        messenger,
        log: this.log,
        groupPsk,
        credentials: this.options.credentials,
        checkAborted: () => this.tasks.checkOpen(),
        gatewayAddress: this.gatewayAddress,
        initialContact,
        onStep: (step) => {
          if (initialContact) this.setState(step);
        },
        // the capture sees each plaintext the IKE SA seals or opens, message 3 on
        tapIkeSa: this.capture?.tapIkeSa,
      }),
    );
    ike.adopt(phase1);
    this.emit(ikeSaEvent(phase1, profile, (this.channel as IkeChannel).localNattPort));
    if (AUTH_METHODS[profile.authMethod].groupKey) this.emit(groupKeyWarning(profile));
    for (const warning of [...phase1Warnings(phase1.chosen), ...phase1.authWarnings])
      this.emit(warning);

    if (AUTH_METHODS[profile.authMethod].xauth) {
      if (initialContact) this.setState('xauth');
      await this.tasks.inStep('xauth', (signal) =>
        untilAborted(
          runXauth({
            sa: phase1.sa,
            messenger,
            credentials: this.options.credentials,
            username: profile.username,
            log: this.log,
            signal,
            timeoutMs: GATEWAY_STEP_TIMEOUT_MS,
          }),
          signal,
        ),
      );
    }
    this.tasks.checkOpen();
    if (initialContact) this.setState('modecfg');
    const { config, dropped } = meaningfulModeConfig(
      await this.tasks.inStep('mode-config', () =>
        runModeConfig({
          sa: phase1.sa,
          messenger,
          log: this.log,
          applicationVersion: APPLICATION_VERSION,
          newMessageId: ike.messageIds.next,
          mode: profile.modeConfig,
          ipv6: profile.ipv6 === 'auto',
          timeoutMs: GATEWAY_STEP_TIMEOUT_MS,
        }),
      ),
      this.gatewayAddress,
      profile.ipv6 === 'auto',
    );

    for (const what of dropped) this.log.warn('modecfg', `ignored from the gateway: ${what}`);
    this.options.credentials.savePasswordPolicy?.(config.savePassword);
    this.log.info(
      'modecfg',
      `virtual IP ${config.internalIp4}, DNS ${config.dns.join(' ') || 'none'}, split ${config.splitInclude.map((s) => formatNet(s.network)).join(' ') || 'none (full tunnel)'}${config.internalIp6 ? `; IPv6 ${config.internalIp6}, DNS ${config.dns6.join(' ') || 'none'}` : ''}`,
    );
    return config;
  }

  private async reconfigure(config: ModeConfigResult): Promise<void> {
    await (this.channel as IkeChannel).deconfigureNetwork();
    await this.configureNetwork(config);
  }

  /** The network for the current SAs: IPv4, and IPv6 when there is an IPv6 SA. */
  private async configureNetwork(config: ModeConfigResult): Promise<void> {
    const channel = this.channel as IkeChannel;
    const ipv4 = this.childSas.newest(4);
    if (!ipv4) return;
    const { network, warnings } = await configureTunnel(
      channel,
      this.options,
      this.gatewayAddress,
      config,
      { ipv4: ipv4.pair, ipv6: this.childSas.newest(6)?.pair },
    );
    // a failure while the data plane worked (a DELETE, a notification) has closed the channel
    this.tasks.checkOpen();
    this.emit(network);
    for (const warning of warnings) this.emit(warning);
  }

  /** An SA renewal while connected, queued after the tasks before it: 'rekeying' until it is
   * done, unless by its turn it is no longer `due`; a failure ends the connection. */
  private renew(
    name: TaskName,
    detail: string,
    work: () => Promise<unknown>,
    due: () => boolean = () => true,
  ): void {
    this.tasks
      .queue({
        name,
        run: async () => {
          if (!due()) return;
          this.setState('rekeying', { detail });
          await work();
          this.setState('connected', { virtualIp: this.modeConfig?.internalIp4 });
        },
      })
      .catch((error: unknown) => this.fail(error));
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
        messenger: this.requireIke().messenger,
        log: this.log,
        lastInboundAt: () => this.channel?.lastInboundAt() ?? 0,
        worried: () =>
          this.diagnoser.trafficUnanswered(this.channel?.lastInboundAt() ?? 0, Date.now()),
        newMessageId: this.requireIke().messageIds.next,
        onDead: (message) =>
          void this.fail(new EngineError('peer-dead', `the gateway stopped answering: ${message}`)),
      },
    );
    this.dpd.start();
  }

  /** Messages nobody waits for: informational (DPD, DELETE, notifications) and the like. */
  private dispatch(message: RawMessage): boolean {
    const phase1 = this.ike?.current;
    if (!phase1) return false;
    if (isInformational(message)) {
      answerInformational(this.informational(), message);
      return true;
    }
    if (
      message.header.exchangeType === ExchangeType.QuickMode &&
      (this.state === 'connected' || this.state === 'rekeying')
    ) {
      void this.childSas.answerGatewayRekey(message);
      return true;
    }
    // while authenticating, transactions (XAuth, Mode Config) belong to their own waits, also
    // those that arrive a moment before the wait begins (a re-authentication's XAuth request):
    // they are left to the backlog
    if (isTransaction(message) && this.modeConfig && !this.tasks.authenticating) {
      this.onModeConfigPush(phase1, message);
      return true;
    }
    return false;
  }

  /** A CFG_SET once Mode Config is done (a gateway that pushes after it answered our REQUEST,
   * or changes what it gave): acknowledged, and a changed configuration applied to the tunnel
   * once the task under way is done. */
  private onModeConfigPush(phase1: Phase1Result, message: RawMessage): void {
    const { messenger } = this.requireIke();
    let config: ModeConfigResult;
    try {
      const pushed = answerModeConfigPush({ sa: phase1.sa, messenger, log: this.log }, message);
      if (!pushed) return;
      const meaningful = meaningfulModeConfig(pushed, this.gatewayAddress);
      for (const what of meaningful.dropped)
        this.log.warn('modecfg', `ignored from the gateway: ${what}`);
      config = meaningful.config;
    } catch (error) {
      if (error instanceof UnauthenticatedError)
        messenger.dropUnauthenticated(error, '(transaction)', 'debug');
      else if (error instanceof DecodeError || error instanceof EngineError)
        this.log.warn('modecfg', `ignored a pushed configuration: ${error.message}`);
      else throw error;
      return;
    }
    if (JSON.stringify(config) === JSON.stringify(this.modeConfig)) return;
    this.tasks
      .queue({
        name: 'apply-mode-config',
        run: async () => {
          if (!this.childSas.newest(4)) return;
          this.log.info('modecfg', 'the gateway changed the configuration: reconfiguring');
          this.modeConfig = config;
          await this.reconfigure(config);
        },
      })
      .catch((error: unknown) => this.fail(error));
  }

  /** What the gateway's informational exchanges act on (tasks/informational.ts). */
  private informational(): InformationalSession {
    return {
      ike: this.requireIke(),
      tasks: this.tasks,
      log: this.log,
      childSas: this.childSas,
      dpd: () => this.dpd,
      connected: () => this.state === 'connected',
      fail: (error, notifyGateway) => void this.fail(error, notifyGateway),
    };
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
      case 'log': {
        const unreachable = unreachableDetail(event.message);
        if (unreachable)
          this.diagnoser.observe({ kind: 'unreachable', at: eventTime(), detail: unreachable });
        if (this.log.enabled(event.level))
          this.emit({
            type: 'log',
            at: eventTime(),
            level: event.level,
            phase: 'dataplane',
            message: event.message,
          });
        break;
      }
      case 'failure':
        void this.fail(
          new EngineError(portErrorCode(event.code) ?? 'dataplane-failed', event.message),
        );
        break;
      case 'rekey-needed':
        this.childSas.onRekeyNeeded(event.saId, event.reason);
        break;
      case 'sa-expired':
        this.childSas.onExpired(event.saId, event.reason);
        break;
    }
  }

  private ikeEndpoints(): IkeEndpoints {
    const channel = this.channel as IkeChannel;
    const { profile } = this.options;
    return {
      localAddress: channel.localAddress,
      localPort: channel.localPort,
      localNattPort: channel.localNattPort,
      gatewayAddress: this.gatewayAddress,
      gatewayPort: profile.gatewayPort,
      gatewayNattPort: profile.gatewayNattPort,
    };
  }

  private requireIke(): IkeSaHolder {
    if (!this.ike) throw new EngineError('internal', 'no IKE channel');
    return this.ike;
  }

  async disconnect(): Promise<void> {
    if (this.tasks.closed) {
      await this.closed;
      return;
    }
    if (this.state === 'connected' || this.state === 'rekeying') {
      // a rekey or re-authentication under way is cancelled, queued ones never run
      this.tasks.close();
      this.setState('disconnecting');
      await this.teardown(true);
      this.setState('disconnected');
      this.resolveClosed(undefined);
      return;
    }
    await this.fail(new EngineError('cancelled', 'cancelled by the user'));
  }

  /** Ends the connection with an error; DELETEs go out when keys exist and the gateway still
   * holds the SA, so it keeps nothing half-open. */
  private async fail(error: unknown, notifyGateway = true): Promise<void> {
    if (this.tasks.closed) return;
    // whatever still awaits a step (a prompt, the data plane) stops at its next checkOpen()
    this.tasks.close();

    const engineError = toEngineError(error);
    const failedAt = this.state;
    const { code, message } = engineError;
    this.diagnoser.observe({
      kind: 'failure',
      at: eventTime(),
      failure: { code, message, failedAt },
    });
    this.emit({
      type: 'error',
      at: eventTime(),
      code: engineError.code,
      message: engineError.message,
      failedAt,
      fatal: true,
      authenticated: engineError.authenticated,
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
    this.reauthentication.stop();
    this.childSas.stopRekeys();
    const holder = this.ike;
    const current = holder?.current;
    if (sendDeletes && holder && current) {
      const children = this.childSas.current();
      // through the current IKE SA, as after a re-authentication (retireIkeSa)
      for (const child of children)
        holder.sendInformational(deleteEspSa(child.pair.inbound.spi), current);
      // during a re-authentication, the previous IKE SA too
      for (const ike of new Set([...children.map((c) => c.ike), current]))
        holder.sendInformational(deleteIkeSa(ike.sa), ike);
    }
    holder?.messenger.close();

    try {
      await this.channel?.close();
    } catch (error) {
      this.log.error('network', `cleanup failed: ${(error as Error).message}`);
    }
  }
}

function phaseOf(state: ConnectionState): Phase {
  if (state.startsWith('am')) return 'phase1';
  if (state === 'xauth') return 'xauth';
  if (state === 'modecfg') return 'modecfg';
  if (state.startsWith('qm')) return 'phase2';
  return 'session';
}
