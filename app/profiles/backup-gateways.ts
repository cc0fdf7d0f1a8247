// A profile's backup gateways, tried in order when the gateway (then the previous backup) does
// not answer, as the Cisco client's BackupServer list does. Only "no answer" moves on (no reply
// to the first message, or a name that does not resolve): a gateway that answered and refused
// is the answer. The caller sees one connection: the events of an attempt that got no answer
// are replaced by one log line naming the next gateway.
import type { ConnectOptions, EngineError, VpnConnection } from '../engine/index.js';
import type { ConnectionState, EngineEvent, ErrorCode } from '../shared/events.js';

type Connect = (options: ConnectOptions) => VpnConnection;

const NO_ANSWER: readonly ErrorCode[] = ['gateway-unreachable', 'gateway-resolve-failed'];

export function withBackupGateways(connect: Connect): Connect {
  return (options) =>
    options.profile.backupGateways.length === 0
      ? connect(options)
      : new BackupGatewayConnection(connect, options);
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
  ) {
    this.gateways = [options.profile.gateway, ...options.profile.backupGateways];
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
    for (const [index, gateway] of this.gateways.entries()) {
      const last = index === this.gateways.length - 1;
      this.current = this.connect({
        ...this.options,
        profile: { ...this.options.profile, gateway },
      });
      const held: EngineEvent[] = [];
      this.current.onEvent((event) =>
        !last && isVerdict(event) ? held.push(event) : this.emit(event),
      );
      this.current.connected.then(connected.resolve, () => undefined);
      const failure = await this.current.closed;
      const next = this.gateways[index + 1];
      if (failure && next && !this.stopping && NO_ANSWER.includes(failure.code)) {
        this.emit({
          type: 'log',
          at: performance.timeOrigin + performance.now(),
          level: 'info',
          phase: 'session',
          message: `${gateway} does not answer (${failure.message}): trying the backup gateway ${next}`,
        });
        continue;
      }
      held.forEach((event) => this.emit(event));
      if (failure) connected.reject(failure);
      return failure;
    }
    return undefined; // not reached: the last gateway's outcome is returned in the loop
  }
}
