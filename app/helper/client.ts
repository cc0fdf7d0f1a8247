// The data plane as the unprivileged app sees it when a privileged helper owns the real one:
// the same DataPlanePort/IkeChannel interface, carried over the helper's Unix socket, so the
// engine cannot tell the difference. One connection per channel: the helper tears the tunnel
// down when that connection goes away.
import { setTimeout as delay } from 'node:timers/promises';
import type {
  AppliedNetwork,
  DataPlaneEvent,
  DataPlanePort,
  IkeChannel,
  IkeLeg,
  LockdownHold,
  OpenIkeOptions,
} from '../shared/dataplane-port.js';
import { type EspSaPair, wipeSaKeys } from '../shared/esp-sa.js';
import { DEFAULT_HELPER_SOCKET_PATH } from '../shared/helper-protocol.js';
import type { NetworkSetup } from '../shared/network-setup.js';
import { HelperConnection, HelperError, type PushFrame } from './client-connection.js';

export { HelperError } from './client-connection.js';

export interface HelperDataPlaneOptions {
  /** DEFAULT_HELPER_SOCKET_PATH unless given */
  socketPath?: string;
  /** how long a request may wait for its answer; a vpnc-script can take a while */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export function createHelperDataPlane(options: HelperDataPlaneOptions = {}): DataPlanePort {
  const socketPath = options.socketPath ?? DEFAULT_HELPER_SOCKET_PATH;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    async openIke(openOptions: OpenIkeOptions): Promise<IkeChannel> {
      const connection = await HelperConnection.connect(socketPath, requestTimeoutMs);
      try {
        const opened = await connection.request(
          { method: 'openIke', options: openOptions },
          'opened',
        );
        return new HelperIkeChannel(connection, opened);
      } catch (error) {
        connection.end();
        throw error;
      }
    },
    /** a connection of its own for the session: the helper lifts the lockdown when it ends */
    async holdLockdown(tunName: string): Promise<LockdownHold> {
      const connection = await HelperConnection.connect(socketPath, requestTimeoutMs);
      try {
        await connection.request({ method: 'holdLockdown', tunName }, 'done');
      } catch (error) {
        connection.end();
        throw error;
      }
      let released: Promise<void> | undefined;
      return {
        release: () =>
          (released ??= ignoreLoss(
            connection.request({ method: 'releaseLockdown' }, 'done'),
          ).finally(() => connection.end())),
      };
    },
  };
}

/** a lost helper already lifted what this connection held (or its successor's cleanup will) */
async function ignoreLoss(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof HelperError && error.code === 'helper-lost')) throw error;
  }
}

/** Resolves once a helper accepts connections at socketPath (after it was restarted, say). */
export async function waitForHelper(
  options: { socketPath?: string; timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const socketPath = options.socketPath ?? DEFAULT_HELPER_SOCKET_PATH;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      (await HelperConnection.connect(socketPath, 0)).end();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await delay(options.intervalMs ?? 250);
    }
  }
}

class HelperIkeChannel implements IkeChannel {
  readonly localAddress: string;
  readonly localPort: number;
  readonly localNattPort: number;
  private readonly tunnel: number;
  private readonly packetListeners: ((packet: Buffer, leg: IkeLeg) => void)[] = [];
  private readonly eventListeners: ((event: DataPlaneEvent) => void)[] = [];
  /** events before the engine subscribed (a loss right after opening) */
  private readonly undelivered: DataPlaneEvent[] = [];
  private inboundAt = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly connection: HelperConnection,
    opened: { tunnel: number; localAddress: string; localPort: number; localNattPort: number },
  ) {
    this.tunnel = opened.tunnel;
    this.localAddress = opened.localAddress;
    this.localPort = opened.localPort;
    this.localNattPort = opened.localNattPort;
    connection.onPush((frame) => this.onPush(frame));
    connection.onLost((reason) => {
      if (!this.closing) this.emit({ type: 'failure', code: 'helper-lost', message: reason });
    });
  }

  send(packet: Buffer, leg: IkeLeg): void {
    try {
      this.connection.notify({ method: 'send', tunnel: this.tunnel, leg, packet });
    } catch (error) {
      // like a UDP send error in process: reported, never thrown into the engine
      this.emit({ type: 'log', level: 'error', message: `send: ${(error as Error).message}` });
    }
  }

  onPacket(listener: (packet: Buffer, leg: IkeLeg) => void): void {
    this.packetListeners.push(listener);
  }

  onEvent(listener: (event: DataPlaneEvent) => void): void {
    this.eventListeners.push(listener);
    for (const event of this.undelivered.splice(0)) listener(event);
  }

  setKeepalive(intervalSeconds: number): void {
    this.connection
      .request({ method: 'setKeepalive', tunnel: this.tunnel, intervalSeconds }, 'done')
      .catch((error: Error) =>
        this.emit({ type: 'log', level: 'error', message: `setKeepalive: ${error.message}` }),
      );
  }

  lastInboundAt(): number {
    return this.inboundAt;
  }

  /** The keys leave in the request's frame (encoded at once) and are wiped here right after. */
  async installSa(sa: EspSaPair): Promise<void> {
    const done = this.connection.request({ method: 'installSa', tunnel: this.tunnel, sa }, 'done');
    wipeSaKeys(sa);
    await done;
  }

  async removeSa(id: string): Promise<void> {
    await this.connection.request({ method: 'removeSa', tunnel: this.tunnel, saId: id }, 'done');
  }

  async configureNetwork(setup: NetworkSetup): Promise<AppliedNetwork> {
    const answer = await this.connection.request(
      { method: 'configureNetwork', tunnel: this.tunnel, setup },
      'applied',
    );
    return answer.applied;
  }

  async deconfigureNetwork(): Promise<void> {
    await this.connection.request({ method: 'deconfigureNetwork', tunnel: this.tunnel }, 'done');
  }

  close(): Promise<void> {
    this.closing ??= this.requestClose().finally(() => this.connection.end());
    return this.closing;
  }

  private async requestClose(): Promise<void> {
    // a lost helper already tore the tunnel down on its side
    await ignoreLoss(this.connection.request({ method: 'close', tunnel: this.tunnel }, 'done'));
  }

  private onPush(frame: PushFrame): void {
    switch (frame.type) {
      case 'packet':
        this.inboundAt = Date.now();
        for (const listener of this.packetListeners) listener(frame.packet, frame.leg);
        break;
      case 'event':
        this.emit(frame.event);
        break;
      case 'liveness':
        this.inboundAt = Math.max(this.inboundAt, frame.lastInboundAt);
        break;
      case 'error':
        this.emit({
          type: 'log',
          level: 'error',
          message: `helper: ${frame.code}: ${frame.message}`,
        });
        break;
    }
  }

  private emit(event: DataPlaneEvent): void {
    if (this.eventListeners.length === 0) this.undelivered.push(event);
    for (const listener of this.eventListeners) listener(event);
  }
}
