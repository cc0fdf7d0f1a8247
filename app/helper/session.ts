// One client connection to the helper: reads its frames, checks every request against the
// caller's identity and the helper's policy, drives the caller's own tunnel, and tears that
// tunnel down the moment the connection goes away (app quit, crash, kill -9).
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type {
  DataPlanePort,
  IkeChannel,
  LockdownHold,
  OpenIkeOptions,
} from '../shared/dataplane-port.js';
import type { LogLevel } from '../shared/events.js';
import {
  type ClientFrame,
  ClientFrameSchema,
  type ClientRequest,
  HELPER_PROTOCOL_VERSION,
  type HelperErrorCode,
  type HelperFrame,
  HelperFrameSchema,
  type WithoutEnvelope,
  decodeFrame,
  encodeFrame,
} from '../shared/helper-protocol.js';
import type { NetworkSetup } from '../shared/network-setup.js';
import { FrameReader, FrameTooLargeError, frame } from './framing.js';
import type { PeerCredentials } from './peer-credentials.js';
import { gatewayProblem } from './gateway-policy.js';
import { checkScriptPath, localPortProblem } from './policy.js';
import type { RefusalLog } from './refusal-log.js';
import { MAX_TUNNELS_PER_USER, type Tunnel, type TunnelRegistry } from './tunnels.js';

export type HelperLog = (level: LogLevel, message: string) => void;

export interface SessionContext {
  dataPlane: DataPlanePort;
  tunnels: TunnelRegistry;
  scriptDirs: readonly string[];
  log: HelperLog;
  /** refusals: logged at a bounded rate per uid */
  refusals: RefusalLog;
}

type Outgoing = WithoutEnvelope<HelperFrame, 'v'>;

/** A client that stops reading must not make the helper buffer without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const LIVENESS_INTERVAL_MS = 1000;
/** how long teardown waits for requests still running on the channel before closing it */
const INFLIGHT_GRACE_MS = 2000;
/** after a last refusal, how long the peer has to read it and close */
const CLOSE_GRACE_MS = 1000;
const ERROR_CODE = /^[a-z][a-z0-9-]{0,63}$/;

/** A request the helper will not carry out: answered with its code and logged as a warning. */
class Refusal extends Error {
  constructor(
    readonly code: HelperErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An error frame, ready to write. */
export function errorFrame(id: number | null, code: string, message: string): Buffer {
  return frame(
    encodeFrame(HelperFrameSchema, {
      v: HELPER_PROTOCOL_VERSION,
      type: 'error',
      id,
      code,
      message,
    }),
  );
}

/** Ends our side after a last answer, still reading (and discarding) so the peer's close is
 * seen, and cuts a peer that never closes. */
export function closeGracefully(socket: Socket): void {
  socket.end();
  socket.resume();
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

export class ClientSession {
  /** resolves once the connection is gone and its tunnel torn down */
  readonly closed: Promise<void>;
  private tunnel: Tunnel | undefined;
  private opening = false;
  private ended = false;
  private liveness: NodeJS.Timeout | undefined;
  /** the lockdown this connection keeps standing between its owner's tunnels */
  private lockdownHold: LockdownHold | undefined;
  private readonly reader = new FrameReader((body) => this.onFrame(body));
  private readonly who: string;

  constructor(
    private readonly socket: Socket,
    private readonly peer: PeerCredentials,
    private readonly context: SessionContext,
  ) {
    this.who = `uid ${peer.uid} (pid ${peer.pid})`;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      context.log('debug', `connection of ${this.who}: ${error.message}`),
    );
    this.closed = new Promise((resolve) => {
      socket.once('close', () => void this.teardown().then(resolve));
    });
  }

  /** Cuts the connection; the tunnel teardown follows. */
  disconnect(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    try {
      this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      // the stream cannot be resynchronised: answer, then drop this connection only
      this.refuse(null, 'frame', new Refusal('frame-too-large', error.message));
      this.ended = true;
      closeGracefully(this.socket);
    }
  }

  private onFrame(body: string): void {
    if (this.ended) return;
    const decoded = decodeFrame(ClientFrameSchema, body);
    if (decoded.ok) {
      this.dispatch(decoded.frame);
    } else {
      this.refuse(decoded.id, 'frame', new Refusal(decoded.code, decoded.message));
    }
  }

  private dispatch(request: ClientFrame): void {
    if (request.method !== 'send') {
      void this.answer(request);
      return;
    }
    try {
      this.ownTunnel(request.tunnel).channel.send(request.packet, request.leg);
    } catch (error) {
      this.refuse(null, 'send', error);
    }
  }

  private async answer(request: ClientRequest): Promise<void> {
    try {
      this.write(await this.perform(request));
    } catch (error) {
      this.refuse(request.id, request.method, error);
    }
  }

  private async perform(request: ClientRequest): Promise<Outgoing> {
    const done = { type: 'done', id: request.id } as const;
    switch (request.method) {
      case 'openIke':
        return this.openIke(request.id, request.options);
      case 'setKeepalive':
        this.ownTunnel(request.tunnel).channel.setKeepalive(request.intervalSeconds);
        return done;
      case 'installSa': {
        const tunnel = this.ownTunnel(request.tunnel);
        await this.track(tunnel, tunnel.channel.installSa(request.sa));
        this.context.log('info', `tunnel ${tunnel.id}: SA ${request.sa.id} installed`);
        return done;
      }
      case 'removeSa': {
        const tunnel = this.ownTunnel(request.tunnel);
        await this.track(tunnel, tunnel.channel.removeSa(request.saId));
        return done;
      }
      case 'configureNetwork': {
        const tunnel = this.ownTunnel(request.tunnel);
        const applied = await this.configureNetwork(tunnel, request.setup);
        return { type: 'applied', id: request.id, applied };
      }
      case 'deconfigureNetwork': {
        const tunnel = this.ownTunnel(request.tunnel);
        await this.track(tunnel, tunnel.channel.deconfigureNetwork());
        tunnel.tunName = undefined;
        tunnel.ownsRoutes = false;
        return done;
      }
      case 'close':
        this.ownTunnel(request.tunnel);
        await this.closeTunnel('closed by the client');
        return done;
      case 'holdLockdown':
        await this.holdLockdown(request.tunName);
        return done;
      case 'releaseLockdown':
        await this.releaseLockdown();
        return done;
    }
  }

  private async openIke(id: number, options: OpenIkeOptions): Promise<Outgoing> {
    if (this.tunnel || this.opening) {
      throw new Refusal('tunnel-open', 'this connection already has a tunnel; close it first');
    }
    const portProblem =
      localPortProblem(options.localPort) ?? localPortProblem(options.localNattPort);
    if (portProblem) throw new Refusal('port-refused', portProblem);
    const notAGateway = gatewayProblem(options.gateway);
    if (notAGateway) throw new Refusal('gateway-refused', notAGateway);
    const { tunnels } = this.context;
    if (!tunnels.beginOpening(this.peer.uid)) {
      throw new Refusal(
        'too-many-tunnels',
        `uid ${this.peer.uid} has ${MAX_TUNNELS_PER_USER} tunnels open already; close one first`,
      );
    }
    this.opening = true;
    let channel: IkeChannel;
    try {
      channel = await this.context.dataPlane.openIke(options);
    } finally {
      this.opening = false;
      tunnels.endOpening(this.peer.uid);
    }
    if (this.ended) {
      await channel.close();
      throw new Error('connection closed while the tunnel was opening');
    }
    const tunnel = tunnels.add(this.peer.uid, this, channel, options.gateway);
    this.tunnel = tunnel;
    channel.onPacket((packet, leg) => {
      if (this.tunnel === tunnel) this.write({ type: 'packet', leg, packet });
    });
    channel.onEvent((event) => {
      if (this.tunnel === tunnel) this.write({ type: 'event', event });
    });
    let lastInboundAt = channel.lastInboundAt();
    this.liveness = setInterval(() => {
      const at = channel.lastInboundAt();
      if (at === lastInboundAt) return;
      lastInboundAt = at;
      this.write({ type: 'liveness', lastInboundAt: at });
    }, LIVENESS_INTERVAL_MS);
    this.context.log(
      'info',
      `tunnel ${tunnel.id} opened for ${this.who} to ${options.gateway} (local ports ${channel.localPort}/${channel.localNattPort})`,
    );
    return {
      type: 'opened',
      id,
      tunnel: tunnel.id,
      localAddress: channel.localAddress,
      localPort: channel.localPort,
      localNattPort: channel.localNattPort,
    };
  }

  /** One hold per connection: a new one replaces the last. Lockdown blocks the whole
   * machine's traffic whoever sets it up, so a hold gives a client no power it lacked. */
  private async holdLockdown(tunName: string): Promise<void> {
    const { dataPlane } = this.context;
    if (!dataPlane.holdLockdown) throw new Error('this data plane cannot hold a lockdown');
    const hold = await dataPlane.holdLockdown(tunName);
    if (this.ended) {
      await hold.release();
      throw new Error('connection closed while the lockdown hold was taken');
    }
    await this.releaseLockdown();
    this.lockdownHold = hold;
    this.context.log('info', `${this.who} holds the lockdown of ${tunName}`);
  }

  private async releaseLockdown(): Promise<void> {
    const hold = this.lockdownHold;
    this.lockdownHold = undefined;
    await hold?.release();
  }

  private async configureNetwork(tunnel: Tunnel, setup: NetworkSetup) {
    // a tunnel whose app just went away may still be undoing its routes: not a conflict
    const leaving = this.context.tunnels.owningRoutes(tunnel);
    if (leaving?.closing) {
      this.context.log(
        'debug',
        `tunnel ${tunnel.id} waits for tunnel ${leaving.id} to undo its network`,
      );
      await leaving.closing;
    }
    if (this.tunnel !== tunnel) throw new Error(`tunnel ${tunnel.id} was closed meanwhile`);
    this.checkNetworkSetup(tunnel, setup);
    // reserved before any await so no other request (of this tunnel or another) races for them
    tunnel.tunName = setup.tunName;
    tunnel.ownsRoutes = setup.script !== 'none';
    try {
      let { script } = setup;
      if (typeof script === 'object') {
        const verdict = await checkScriptPath(script.path, this.context.scriptDirs);
        if (!verdict.ok) throw new Refusal('script-refused', verdict.reason);
        script = { path: verdict.path };
      }
      const applied = await this.track(
        tunnel,
        tunnel.channel.configureNetwork({ ...setup, script }),
      );
      this.context.log(
        'info',
        `tunnel ${tunnel.id}: network configured on ${applied.tunName}: ${applied.changes.join('; ')}`,
      );
      return applied;
    } catch (error) {
      tunnel.tunName = undefined;
      tunnel.ownsRoutes = false;
      throw error;
    }
  }

  /** Route policy, whoever asks: one set-up per tunnel, for the gateway its IKE leg goes to,
   * and one tunnel at a time changing the machine's routes and DNS (two could only be honoured
   * by letting one capture the other's traffic: more specific routes, global DNS, excludes). */
  private checkNetworkSetup(tunnel: Tunnel, setup: NetworkSetup): void {
    if (tunnel.tunName !== undefined) {
      throw new Refusal(
        'already-configured',
        `tunnel ${tunnel.id} has its network on ${tunnel.tunName} already; deconfigure it first`,
      );
    }
    if (setup.gateway.toLowerCase() !== tunnel.gateway.toLowerCase()) {
      throw new Refusal(
        'gateway-refused',
        `the network set-up names gateway ${setup.gateway}, but tunnel ${tunnel.id} was opened to ${tunnel.gateway}`,
      );
    }
    const { tunnels } = this.context;
    const sameName = tunnels.usingTunName(setup.tunName, tunnel);
    if (sameName) {
      throw new Refusal('tunnel-name-in-use', `${setup.tunName} is used by tunnel ${sameName.id}`);
    }
    const routed = setup.script === 'none' ? undefined : tunnels.owningRoutes(tunnel);
    if (routed) {
      throw new Refusal(
        'routes-in-use',
        `tunnel ${routed.id}${routed.ownerUid === this.peer.uid ? '' : ' of another user'} has configured the network; only one tunnel at a time may change routes and DNS`,
      );
    }
  }

  /** The caller's own open tunnel, or a refusal naming why not. */
  private ownTunnel(id: number): Tunnel {
    const tunnel = this.context.tunnels.get(id);
    if (tunnel !== undefined && tunnel === this.tunnel) return tunnel;
    if (tunnel === undefined || tunnel.owner === this) {
      throw new Refusal('no-tunnel', `there is no open tunnel ${id} on this connection`);
    }
    throw new Refusal(
      'forbidden',
      `tunnel ${id} belongs to uid ${tunnel.ownerUid} on another connection`,
    );
  }

  private async track<T>(tunnel: Tunnel, operation: Promise<T>): Promise<T> {
    tunnel.inflight.add(operation);
    try {
      return await operation;
    } finally {
      tunnel.inflight.delete(operation);
    }
  }

  private async closeTunnel(reason: string): Promise<void> {
    const tunnel = this.tunnel;
    if (!tunnel) return;
    this.tunnel = undefined;
    clearInterval(this.liveness);
    tunnel.closing = this.finishClose(tunnel, reason);
    await tunnel.closing;
  }

  private async finishClose(tunnel: Tunnel, reason: string): Promise<void> {
    // a configureNetwork still running would otherwise finish after close() undid the rest
    if (tunnel.inflight.size > 0) {
      await Promise.race([
        Promise.allSettled(tunnel.inflight),
        delay(INFLIGHT_GRACE_MS, undefined, { ref: false }),
      ]);
    }
    try {
      await tunnel.channel.close();
      this.context.log('info', `tunnel ${tunnel.id} of ${this.who} closed (${reason})`);
    } catch (error) {
      this.context.log('error', `closing tunnel ${tunnel.id} of ${this.who}: ${messageOf(error)}`);
    } finally {
      this.context.tunnels.remove(tunnel.id);
    }
  }

  private async teardown(): Promise<void> {
    this.ended = true;
    this.context.log('debug', `${this.who} disconnected`);
    await this.closeTunnel('client disconnected');
    try {
      await this.releaseLockdown();
    } catch (error) {
      this.context.log('error', `lifting the lockdown ${this.who} held: ${messageOf(error)}`);
    }
  }

  private refuse(id: number | null, what: string, error: unknown): void {
    const message = messageOf(error);
    let code = 'failed';
    if (error instanceof Refusal) {
      code = error.code;
      this.context.refusals.refused(this.peer.uid, `refused ${what} from ${this.who}: ${message}`);
    } else {
      const dataPlaneCode = (error as { code?: unknown } | undefined)?.code;
      if (typeof dataPlaneCode === 'string' && ERROR_CODE.test(dataPlaneCode)) code = dataPlaneCode;
      this.context.log('error', `${what} for ${this.who} failed: ${message}`);
    }
    if (this.socket.writable) this.socket.write(errorFrame(id, code, message));
  }

  private write(message: Outgoing): void {
    if (!this.socket.writable) return;
    let bytes: Buffer;
    try {
      bytes = frame(encodeFrame(HelperFrameSchema, { v: HELPER_PROTOCOL_VERSION, ...message }));
    } catch (error) {
      this.context.log('error', `cannot send ${message.type} to ${this.who}: ${messageOf(error)}`);
      return;
    }
    this.socket.write(bytes);
    if (this.socket.writableLength > MAX_BUFFERED_BYTES) {
      this.context.log('warn', `${this.who} does not read its connection; dropping it`);
      this.socket.destroy();
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
