// The app's end of one helper connection: numbered requests with their answers, one-way IKE
// packets, and the frames the helper pushes. Knows nothing of tunnels beyond the wire.
import { type Socket, connect } from 'node:net';
import {
  type ClientFrame,
  ClientFrameSchema,
  type ClientRequest,
  HELPER_PROTOCOL_VERSION,
  type HelperFrame,
  HelperFrameSchema,
  type WithoutEnvelope,
  decodeFrame,
  encodeFrame,
} from '../shared/helper-protocol.js';
import { FrameReader, frame } from './framing.js';

export type RequestBody = WithoutEnvelope<ClientRequest, 'v' | 'id'>;
export type SendBody = Omit<Extract<ClientFrame, { method: 'send' }>, 'v'>;
type Answer = Extract<HelperFrame, { type: 'opened' | 'applied' | 'done' }>;
export type PushFrame = Extract<HelperFrame, { type: 'packet' | 'event' | 'liveness' | 'error' }>;

/** An error the helper answered, or the connection's loss; `code` is stable. */
export class HelperError extends Error {
  override readonly name = 'HelperError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  expect: Answer['type'];
  method: string;
  resolve(frame: Answer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class HelperConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new FrameReader((body) => this.onFrame(body));
  private pushListener: ((frame: PushFrame) => void) | undefined;
  /** pushes that arrived before anyone listened (same chunk as the openIke answer) */
  private readonly backlog: PushFrame[] = [];
  private readonly lostListeners: ((reason: string) => void)[] = [];
  private lossDetail: string | undefined;
  /** the helper's refusal of this user at connect (an error frame without id) */
  private refusal: string | undefined;
  private ending = false;
  private lost: string | undefined;
  /** frames of this event-loop turn are held back for one write */
  private corked = false;

  private constructor(
    private readonly socket: Socket,
    private readonly requestTimeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => (this.lossDetail ??= error.message));
    socket.on('close', () => this.onClose());
  }

  static connect(socketPath: string, requestTimeoutMs: number): Promise<HelperConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      socket.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new HelperError(
            'helper-unavailable',
            `privileged helper is not reachable at ${socketPath} (${error.code ?? error.message}): ${unreachableHint(error.code)}`,
          ),
        ),
      );
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new HelperConnection(socket, requestTimeoutMs));
      });
    });
  }

  request<T extends Answer['type']>(
    body: RequestBody,
    expect: T,
  ): Promise<Extract<Answer, { type: T }>> {
    if (this.lost !== undefined || this.ending) {
      return Promise.reject(new HelperError('helper-lost', this.lost ?? 'connection closed'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new HelperError(
            'timeout',
            `helper did not answer ${body.method} within ${this.requestTimeoutMs} ms`,
          ),
        );
      }, this.requestTimeoutMs);
      this.pending.set(id, {
        expect,
        method: body.method,
        resolve: resolve as (frame: Answer) => void,
        reject,
        timer,
      });
      try {
        this.write({ ...body, v: HELPER_PROTOCOL_VERSION, id });
      } catch (error) {
        // the request itself does not fit the protocol (schema or frame size)
        this.settle(id, () => reject(new HelperError('malformed', (error as Error).message)));
      }
    });
  }

  /** one-way; dropped once the connection is gone; throws when the message does not fit the
   * protocol */
  notify(body: SendBody): void {
    if (this.lost === undefined && !this.ending)
      this.write({ ...body, v: HELPER_PROTOCOL_VERSION });
  }

  onPush(listener: (frame: PushFrame) => void): void {
    this.pushListener = listener;
    for (const frame of this.backlog.splice(0)) listener(frame);
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** Closes our end; pending requests fail, no loss is reported. */
  end(): void {
    this.ending = true;
    this.socket.end();
  }

  private write(message: ClientFrame): void {
    const bytes = frame(encodeFrame(ClientFrameSchema, message));
    // Frames of one event-loop turn leave in one write, so the helper reads the last Quick Mode
    // message and the install of its SA together: the gateway's first packet on the new SA
    // cannot slip in between and be dropped for want of the SA (seen at rekeys under load).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    // an installSa frame carries ESP keys: zeroed once the socket has handed it to the kernel
    this.socket.write(bytes, () => bytes.fill(0));
  }

  private onData(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (error) {
      // only an oversized frame throws: a broken helper must not take the app down
      this.lossDetail = (error as Error).message;
      this.socket.destroy();
    }
  }

  private onFrame(body: string): void {
    if (this.socket.destroyed) return;
    const decoded = decodeFrame(HelperFrameSchema, body);
    if (!decoded.ok) {
      this.lossDetail = `helper sent an invalid frame (${decoded.message})`;
      this.socket.destroy();
      return;
    }
    const message = decoded.frame;
    if (message.type === 'error' && message.id !== null) {
      this.settle(message.id, (pending) =>
        pending.reject(new HelperError(message.code, message.message)),
      );
    } else if (message.type === 'opened' || message.type === 'applied' || message.type === 'done') {
      this.settle(message.id, (pending) =>
        pending.expect === message.type
          ? pending.resolve(message)
          : pending.reject(
              new HelperError(
                'malformed',
                `helper answered ${pending.method} with ${message.type}`,
              ),
            ),
      );
    } else {
      if (message.type === 'error') this.lossDetail = `${message.code}: ${message.message}`;
      if (message.type === 'error' && message.code === 'forbidden') this.refusal = message.message;
      if (this.pushListener) this.pushListener(message);
      else this.backlog.push(message);
    }
  }

  private settle(id: number, action: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    action(pending);
  }

  private onClose(): void {
    const reason = this.ending
      ? 'connection closed'
      : `helper connection lost${this.lossDetail ? ` (${this.lossDetail})` : ''}`;
    this.lost = reason;
    // refused at connect: the helper is there, but not for this user
    const error =
      this.refusal === undefined
        ? new HelperError('helper-lost', reason)
        : new HelperError('helper-unavailable', `privileged helper refused: ${this.refusal}`);
    for (const id of [...this.pending.keys()]) {
      this.settle(id, (pending) => pending.reject(error));
    }
    if (!this.ending) for (const listener of this.lostListeners) listener(reason);
  }
}

/** What the user can do about an unreachable helper, in words (one line with the cause). */
function unreachableHint(code: string | undefined): string {
  if (code === 'EACCES' || code === 'EPERM') {
    return "only root and members of the helper's group (roadwarrior) may use it: ask an administrator to add you (usermod -aG roadwarrior USER, then log in again), or run as root";
  }
  return 'start the helper service (systemctl start roadwarrior-helper.socket), or run as root';
}
