// A profile's backup gateways, tried in order when the gateway (then the previous backup) does
// not answer, as the Cisco client's BackupServer list does. Only "no answer" moves on (no reply
// to the first message, an ICMP unreachable for it, or a name that does not resolve): a gateway
// that answered and refused is the answer. An ICMP error moves on at once, not after the
// retransmissions, when a backup is left: that address runs no IKE daemon. Two more sources, as
// Cisco's client has them: the Unity BACKUP_SERVERS list a gateway sent in Mode Config joins
// the profile's for the profile's next attempt (remembered while this process runs, not written
// to the profile), and a cluster's load-balancing redirect is followed to the member it names. The caller sees one connection: the events of an attempt
// that got no answer or was redirected are replaced by one log line naming the next gateway.
import type { ConnectOptions, EngineError, VpnConnection } from '../engine/index.js';
import type { ConnectionState, EngineEvent, ErrorCode } from '../shared/events.js';

type Connect = (options: ConnectOptions) => VpnConnection;

const NO_ANSWER: readonly ErrorCode[] = ['gateway-unreachable', 'gateway-resolve-failed'];
/** redirects followed in one connection: a cluster that keeps sending us on is broken */
const MAX_REDIRECTS = 4;

/** Unity BACKUP_SERVERS each profile's gateways announced, by profile name. */
type Announced = Map<string, readonly string[]>;

export function withBackupGateways(connect: Connect): Connect {
  const announced: Announced = new Map();
  return (options) => new BackupGatewayConnection(connect, options, announced);
}

/** what an attempt that may still be retried must not tell the caller yet */
function isVerdict(event: EngineEvent): boolean {
  return (
    event.type === 'error' ||
    event.type === 'diagnosis' ||
    (event.type === 'state' && event.state === 'failed')
  );
}

class BackupGatewayConnection implements VpnConnection {
  readonly connected: Promise<void>;
  readonly closed: Promise<EngineError | undefined>;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly gateways: string[];
  private current!: VpnConnection;
  private stopping = false;

  constructor(
    private readonly connect: Connect,
    private readonly options: ConnectOptions,
    private readonly announced: Announced,
  ) {
    const { profile } = options;
    this.gateways = [
      ...new Set([
        profile.gateway,
        ...profile.backupGateways,
        ...(announced.get(profile.name) ?? []),
      ]),
    ];
    let connected!: { resolve: () => void; reject: (error: unknown) => void };
    this.connected = new Promise((resolve, reject) => (connected = { resolve, reject }));
    this.connected.catch(() => undefined);
    this.closed = this.run(connected);
  }

  get state(): ConnectionState {
    return this.current.state;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    await this.current.disconnect();
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private async run(connected: {
    resolve: () => void;
    reject: (error: unknown) => void;
  }): Promise<EngineError | undefined> {
    let redirects = 0;
    for (let index = 0; index < this.gateways.length; index++) {
      const gateway = this.gateways[index] as string;
      const mayRedirect = redirects < MAX_REDIRECTS;
      this.current = this.connect({
        ...this.options,
        profile: { ...this.options.profile, gateway },
      });
      const held: EngineEvent[] = [];
      // once connected no other gateway is tried: a diagnosis raised while up (esp-blocked)
      // and the session's end go to the caller as they happen
      let up = false;
      let refused: string | undefined;
      const attempt = this.current;
      attempt.onEvent((event) => {
        if (event.type === 'network' && event.backupServers?.length)
          this.announced.set(this.options.profile.name, event.backupServers);
        if (event.type === 'state' && event.state === 'connected' && !up) {
          up = true;
          held.splice(0).forEach((verdict) => this.emit(verdict));
        }
        // an attempt's verdict waits until it is known whether another attempt follows; a
        // diagnosis while the last gateway is still being tried (no-answer, icmp-unreachable
        // during its retransmissions) is news for the user at once, unless it is a redirect
        // that will be followed
        const lastGateway = index === this.gateways.length - 1;
        if (event.type === 'diagnosis' && event.code === 'icmp-unreachable' && !lastGateway) {
          refused ??= event.evidence[0] ?? 'ICMP unreachable';
          void attempt.disconnect();
        }
        const followed =
          event.type === 'diagnosis' && event.code === 'redirect-loop' && mayRedirect;
        if (event.type === 'diagnosis' && lastGateway && !up && !followed) {
          held.splice(0).forEach((verdict) => this.emit(verdict)); // in the engine's order
          this.emit(event);
        } else if (isVerdict(event) && !up) held.push(event);
        else this.emit(event);
      });
      this.current.connected.then(connected.resolve, () => undefined);
      const failure = await this.current.closed;
      const next = refused
        ? `${gateway} refuses IKE (${refused}): trying the backup gateway ${this.gateways[index + 1]}`
        : this.next(failure, gateway, index, mayRedirect);
      if (next && !this.stopping) {
        if (failure?.code === 'gateway-redirected') redirects++;
        this.emit({
          type: 'log',
          at: performance.timeOrigin + performance.now(),
          level: 'info',
          phase: 'session',
          message: next,
        });
        continue;
      }
      held.forEach((event) => this.emit(event));
      if (failure) connected.reject(failure);
      return failure;
    }
    return undefined; // not reached: the last gateway's outcome is returned in the loop
  }

  /** Where an attempt that failed with `failure` goes on, as the log line that says so; the
   * redirect's member is tried next. undefined: the failure is the connection's. */
  private next(
    failure: EngineError | undefined,
    gateway: string,
    index: number,
    mayRedirect: boolean,
  ): string | undefined {
    if (!failure) return undefined;
    if (failure.code === 'gateway-redirected' && failure.redirectTo && mayRedirect) {
      this.gateways.splice(index + 1, 0, failure.redirectTo);
      return `${gateway} redirects us to the cluster member ${failure.redirectTo} (Cisco load balancing): connecting there`;
    }
    const next = this.gateways[index + 1];
    if (next && NO_ANSWER.includes(failure.code))
      return `${gateway} does not answer (${failure.message}): trying the backup gateway ${next}`;
    return undefined;
  }
}
