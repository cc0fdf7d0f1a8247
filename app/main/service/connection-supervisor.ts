// One active VPN session at a time: starts the engine, forwards its events, shows the banner,
// and after a dead peer, a lost privileged helper (or a network change, or resume) reconnects
// with backoff, shown as its own phase. A session ends by user disconnect, a failure that
// retrying cannot fix, or giving up. A lockdown profile's lockdown belongs to the session: held
// from before the first attempt until the session ends, so no gap between attempts lets
// traffic out.
import { randomUUID } from 'node:crypto';
import type { ConnectOptions, VpnConnection } from '../../engine/api.js';
import { EngineError } from '../../engine/api.js';
import type { DataPlanePort, LockdownHold } from '../../shared/dataplane-port.js';
import type { EngineEvent, ErrorCode, LogLevel } from '../../shared/events.js';
import type { ServicePhase } from '../../shared/ui/ipc-schemas.js';
import type { Profile } from '../../shared/profile.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { Keychain } from './keychain.js';
import type { PromptBroker } from './prompt-broker.js';
import type { ServiceBus } from './service-bus.js';
import { ServiceError } from './service-error.js';
import { SessionCredentials } from './session-credentials.js';
import { freshAttempt } from './snapshot-reducer.js';

export type ConnectFunction = (options: ConnectOptions) => VpnConnection;
export type ConnectDefaults = Partial<
  Pick<ConnectOptions, 'skipDns' | 'skipNetworkConfig' | 'timing'>
>;

export interface SupervisorDeps {
  bus: ServiceBus;
  keychain: Keychain;
  prompts: PromptBroker;
  connect: ConnectFunction;
  createDataPlane: () => DataPlanePort;
  connectDefaults: ConnectDefaults;
  backoff: BackoffOptions;
  random: () => number;
}

/** failures that a new attempt can fix, once the session had been up */
const RECONNECTABLE = new Set<ErrorCode>([
  'peer-dead',
  'timeout',
  'gateway-unreachable',
  'gateway-resolve-failed',
  'dataplane-failed',
  // the privileged helper crashed or restarts: attempts fail fast until its socket accepts again
  'helper-lost',
  'helper-unavailable',
]);

interface Session {
  profile: Profile;
  logLevel: LogLevel;
  credentials: SessionCredentials;
  connection?: VpnConnection;
  everConnected: boolean;
  /** reconnect attempts in a row */
  attempt: number;
  stopping: boolean;
  /** set when we tear down a working connection on purpose to reconnect (resume, new network) */
  restartReason?: string;
  reconnectTimer?: NodeJS.Timeout;
  acknowledgedBanner?: string;
  /** the lockdown kept standing between attempts, once held (undefined: none or not held) */
  lockdown?: Promise<LockdownHold | undefined>;
  ended: Promise<void>;
  markEnded: () => void;
}

export class ConnectionSupervisor {
  private session: Session | undefined;
  /** profiles whose last session ended with the password rejected */
  private readonly rejected = new Set<string>();

  constructor(private readonly deps: SupervisorDeps) {}

  get activeProfile(): string | undefined {
    return this.session?.profile.name;
  }

  /** the active session's TUN interface name */
  get activeTunnel(): string | undefined {
    return this.session?.profile.tunName;
  }

  start(profile: Profile, logLevel: LogLevel): void {
    if (this.session) {
      throw new ServiceError(
        'busy',
        `already connected with "${this.session.profile.name}": disconnect first`,
      );
    }
    const { bus } = this.deps;
    let markEnded = () => {};
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    const session: Session = {
      profile,
      logLevel,
      credentials: new SessionCredentials({
        profile,
        keychain: this.deps.keychain,
        prompts: this.deps.prompts,
        notify: (code, level, message) => bus.notice(code, level, message),
        log: (message) => bus.log('info', message),
        ...(this.rejected.has(profile.name)
          ? { promptReason: 'The gateway rejected the password last time.' }
          : {}),
      }),
      everConnected: false,
      attempt: 0,
      stopping: false,
      ended,
      markEnded,
    };
    this.session = session;
    bus.update((s) => ({
      ...freshAttempt(s),
      phase: 'connecting',
      profile: profile.name,
      reconnect: undefined,
      banner: undefined,
    }));
    bus.log('info', `connecting with profile "${profile.name}" to ${profile.gateway}`);
    if (!profile.lockdown) {
      this.attempt(session);
      return;
    }
    session.lockdown = this.holdLockdown(profile);
    void session.lockdown.then(() => {
      if (this.session === session && !session.stopping) this.attempt(session);
    });
  }

  /** Without a hold each attempt still has its own lockdown, only with gaps between them. */
  private async holdLockdown(profile: Profile): Promise<LockdownHold | undefined> {
    const dataPlane = this.deps.createDataPlane();
    if (!dataPlane.holdLockdown) {
      this.deps.bus.log('warn', 'this data plane cannot hold the lockdown between attempts');
      return undefined;
    }
    try {
      return await dataPlane.holdLockdown(profile.tunName);
    } catch (error) {
      this.deps.bus.log(
        'warn',
        `the lockdown is not held between attempts: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  private async releaseLockdown(session: Session): Promise<void> {
    try {
      await (await session.lockdown)?.release();
    } catch (error) {
      this.deps.bus.log('error', `lifting the lockdown: ${(error as Error).message}`);
    }
  }

  /** User disconnect; also cancels an attempt in progress or a pending reconnect. */
  async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    session.stopping = true;
    clearTimeout(session.reconnectTimer);
    this.deps.prompts.cancelAll('cancelled by the user');
    this.deps.bus.update((s) => ({
      ...s,
      phase: 'disconnecting',
      reconnect: undefined,
      banner: undefined,
    }));
    if (session.connection) await session.connection.disconnect();
    else this.finish(session, 'idle');
    await session.ended;
  }

  /** Resume from sleep or a new network: the old SAs are likely stale, start over now. */
  async reconnectNow(reason: string): Promise<void> {
    const session = this.session;
    if (!session || session.stopping || !session.everConnected) return;
    if (!session.connection) {
      clearTimeout(session.reconnectTimer);
      this.attempt(session);
      return;
    }
    session.restartReason = reason;
    this.deps.bus.log('info', `${reason}: reconnecting`);
    await session.connection.disconnect();
  }

  acknowledgeBanner(id: string, accept: boolean): Promise<void> {
    const { bus } = this.deps;
    const banner = bus.snapshot.banner;
    const session = this.session;
    if (!banner || banner.id !== id)
      throw new ServiceError('not-found', 'that banner is no longer shown');
    if (session) session.acknowledgedBanner = banner.text;
    bus.update((s) => ({ ...s, banner: undefined }));
    bus.log('info', accept ? 'banner acknowledged' : 'banner declined: disconnecting');
    return accept ? Promise.resolve() : this.stop();
  }

  private attempt(session: Session): void {
    session.reconnectTimer = undefined;
    const { bus } = this.deps;
    if (session.attempt > 0) bus.update((s) => ({ ...freshAttempt(s), phase: 'reconnecting' }));
    let connection: VpnConnection;
    try {
      connection = this.deps.connect({
        ...this.deps.connectDefaults,
        profile: session.profile,
        credentials: session.credentials,
        dataPlane: this.deps.createDataPlane(),
        logLevel: session.logLevel,
      });
    } catch (error) {
      this.failBeforeStart(session, error);
      return;
    }
    session.connection = connection;
    const unsubscribe = connection.onEvent((event) => this.onEngineEvent(session, event));
    void connection.closed.then((error) => {
      unsubscribe();
      return this.onClosed(session, connection, error);
    });
  }

  private onEngineEvent(session: Session, event: EngineEvent): void {
    if (this.session !== session) return;
    const { bus } = this.deps;
    bus.engineEvent(event);
    if (event.type === 'state' && event.state === 'connected') {
      session.everConnected = true;
      session.attempt = 0;
      this.rejected.delete(session.profile.name);
      bus.update((s) => ({
        ...s,
        phase: 'connected',
        connectedAt: s.connectedAt ?? event.at,
        reconnect: undefined,
      }));
    } else if (
      event.type === 'network' &&
      event.banner &&
      event.banner !== session.acknowledgedBanner
    ) {
      bus.update((s) => ({
        ...s,
        banner: { id: randomUUID(), profile: session.profile.name, text: event.banner ?? '' },
      }));
    }
  }

  private async onClosed(
    session: Session,
    connection: VpnConnection,
    error: EngineError | undefined,
  ): Promise<void> {
    if (this.session !== session || session.connection !== connection) return;
    session.connection = undefined;
    if (error?.code === 'xauth-rejected') {
      this.rejected.add(session.profile.name);
      await session.credentials.passwordRejected();
    }
    // only the gateway's authenticated word may cost the user a saved key: an unauthenticated
    // rejection may come from anyone on the path
    if (error?.code === 'group-psk-rejected') {
      if (error.authenticated) await session.credentials.groupKeyRejected();
      else this.deps.bus.log('warn', `kept the saved group key: ${error.message}`);
    }
    const restartReason = session.restartReason;
    session.restartReason = undefined;
    if (session.stopping) this.finish(session, 'idle');
    else if (restartReason) {
      session.attempt = 0;
      this.scheduleReconnect(session, restartReason);
    } else if (!error || error.code === 'cancelled') this.finish(session, 'idle');
    else if (session.everConnected && RECONNECTABLE.has(error.code))
      this.scheduleReconnect(session, error.message);
    else this.finish(session, 'failed');
  }

  private scheduleReconnect(session: Session, reason: string): void {
    const { bus, backoff } = this.deps;
    session.attempt++;
    if (session.attempt > backoff.maxAttempts) {
      bus.log('error', `gave up reconnecting after ${backoff.maxAttempts} attempts`);
      this.finish(session, 'failed');
      return;
    }
    const delayMs = backoffDelay(session.attempt, backoff, this.deps.random);
    const reconnect = {
      attempt: session.attempt,
      maxAttempts: backoff.maxAttempts,
      delayMs,
      nextAttemptAt: Date.now() + delayMs,
      reason,
    };
    bus.update((s) => ({ ...s, phase: 'reconnecting', reconnect }));
    bus.log(
      'warn',
      `reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${session.attempt} of ${backoff.maxAttempts}): ${reason}`,
    );
    session.reconnectTimer = setTimeout(() => this.attempt(session), delayMs);
  }

  private failBeforeStart(session: Session, error: unknown): void {
    const engineError =
      error instanceof EngineError
        ? error
        : new EngineError('internal', `internal error: ${(error as Error).message}`);
    this.deps.bus.engineEvent({
      type: 'error',
      at: Date.now(),
      code: engineError.code,
      message: engineError.message,
      failedAt: 'idle',
      fatal: true,
    });
    this.finish(session, 'failed');
  }

  private finish(session: Session, phase: Extract<ServicePhase, 'idle' | 'failed'>): void {
    if (this.session !== session) return;
    clearTimeout(session.reconnectTimer);
    this.deps.prompts.cancelAll('the connection ended');
    session.credentials.endSession();
    this.session = undefined;
    this.deps.bus.update((s) => {
      const ended = { ...s, phase, reconnect: undefined, banner: undefined };
      // a failed session keeps what was negotiated, for diagnosis; a clean one shows nothing stale
      return phase === 'failed' ? ended : { ...freshAttempt(ended), engineState: s.engineState };
    });
    void this.releaseLockdown(session).then(session.markEnded);
  }
}
