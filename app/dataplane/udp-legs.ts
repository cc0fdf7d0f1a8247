// The two UDP legs to the gateway: port 500 for IKE until NAT-T floats, port 4500 for IKE
// (behind the non-ESP marker) and ESP-in-UDP (RFC 3948). Local ports are ephemeral by default,
// so no privilege is needed for IKE itself. The NAT-T leg carries every packet of the tunnel,
// so it is the addon's batched socket (recvmmsg / sendmmsg with UDP GSO) rather than
// node:dgram, which costs a request object, a callback and a Buffer per datagram.
import { type Socket, createSocket } from 'node:dgram';
import type { IkeLeg, OpenIkeOptions } from '../shared/dataplane-port.js';
import { type NativeUdpSocket, type PacketSlab, loadTunAddon } from './tun/native-addon.js';

/** RFC 3948 2.2: IKE on port 4500 starts with four zero bytes where ESP has its SPI. */
const NON_ESP_MARKER_LENGTH = 4;
/** RFC 3948 2.3 */
const NAT_KEEPALIVE = Buffer.from([0xff]);
const NON_ESP_MARKER = Buffer.alloc(NON_ESP_MARKER_LENGTH);
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpLegHandlers {
  onIke(packet: Buffer, leg: IkeLeg): void;
  /**
   * A receive batch from packet `from` on, in arrival order: its ESP handled up to the first
   * IKE message (non-ESP marker), NAT keepalives and datagrams too short for ESP skipped.
   * Returns that IKE message's index, or batch.count if none came.
   */
  onEsp(batch: PacketSlab, from: number): number;
  onError(leg: IkeLeg, error: Error): void;
}

export class UdpLegs {
  private lastNattSendAt = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  lastInboundAt = 0;
  sendErrors = 0;

  private constructor(
    private readonly ike: Socket,
    private readonly natt: NativeUdpSocket,
  ) {}

  static async open(options: OpenIkeOptions, handlers: UdpLegHandlers): Promise<UdpLegs> {
    // an address (the engine resolved the name), and only IPv6 ones have colons; net.isIPv6's
    // large regular expression cost ~0.1 ms per warm connect in profiles (V8 drops its code)
    const ipv6 = options.gateway.includes(':');
    // first: this one throws synchronously (addon not built, port in use), with nothing to undo
    const addon = loadTunAddon();
    const natt = new addon.UdpSocket(ipv6 ? 6 : 4, options.localNattPort ?? 0, SOCKET_BUFFER_BYTES);
    const ike = createSocket({ type: ipv6 ? 'udp6' : 'udp4' });
    const legs = new UdpLegs(ike, natt);
    ike.on('message', (packet) => {
      legs.lastInboundAt = Date.now();
      handlers.onIke(packet, 'ike');
    });
    ike.on('error', (error) => handlers.onError('ike', error));
    try {
      // connected for the same reasons as the IKE leg (bindAndConnect)
      natt.connect(options.gateway, options.gatewayNattPort ?? 4500);
      await bindAndConnect(
        ike,
        options.localPort ?? 0,
        options.gateway,
        options.gatewayPort ?? 500,
      );
    } catch (error) {
      legs.close();
      throw error;
    }
    const batch: PacketSlab = {
      slab: Buffer.alloc(0),
      lengths: new Uint32Array(addon.batchLimit),
      count: 0,
    };
    natt.start(
      (slab, count) => {
        batch.slab = slab;
        batch.count = count;
        legs.onNattBatch(batch, handlers);
      },
      batch.lengths,
      (error) => handlers.onError('natt', error),
    );
    return legs;
  }

  get localAddress(): string {
    return this.ike.address().address;
  }
  get localPort(): number {
    return this.ike.address().port;
  }
  get localNattPort(): number {
    return this.natt.local().port;
  }

  private onNattBatch(batch: PacketSlab, handlers: UdpLegHandlers): void {
    this.lastInboundAt = Date.now();
    this.deliverNatt(batch, 0, handlers);
  }

  /**
   * Hands the batch from packet `from` on over in arrival order. ESP behind an IKE message
   * waits for the next turn of the event loop, as with one event per datagram: the IKE
   * handler's promise chain (a Quick Mode message installing the SA the following ESP uses)
   * runs first. The IKE message and what waits are copies: the next read reuses the slab.
   */
  private deliverNatt(batch: PacketSlab, from: number, handlers: UdpLegHandlers): void {
    const ike = handlers.onEsp(batch, from);
    if (ike >= batch.count) return;
    const { slab, lengths, count } = batch;
    let offset = 0;
    for (let index = 0; index < ike; index++) offset += lengths[index]!;
    const end = offset + lengths[ike]!;
    handlers.onIke(Buffer.from(slab.subarray(offset + NON_ESP_MARKER_LENGTH, end)), 'natt');
    if (ike + 1 >= count) return;
    const restLengths = lengths.slice(ike + 1, count);
    const restEnd = restLengths.reduce((sum, length) => sum + length, end);
    const rest: PacketSlab = {
      slab: Buffer.from(slab.subarray(end, restEnd)),
      lengths: restLengths,
      count: restLengths.length,
    };
    setImmediate(() => {
      if (!this.closed) this.deliverNatt(rest, 0, handlers);
    });
  }

  sendIke(packet: Buffer, leg: IkeLeg): void {
    if (leg === 'ike') {
      this.ike.send(packet, this.onSent);
    } else {
      this.sendNatt(Buffer.concat([NON_ESP_MARKER, packet]));
    }
  }

  /** Each packet its own datagram, in order; what the kernel did not take counts as an error. */
  sendEsp(batch: PacketSlab): void {
    this.lastNattSendAt = Date.now();
    this.sendErrors += batch.count - this.natt.sendBatch(batch);
  }

  private sendNatt(packet: Buffer): void {
    this.lastNattSendAt = Date.now();
    if (!this.natt.send(packet)) this.sendErrors++;
  }

  private readonly onSent = (error: Error | null): void => {
    if (error) this.sendErrors++;
  };

  /** Sends a keepalive whenever nothing else left on the NAT-T leg for a whole interval. */
  setKeepalive(intervalSeconds: number): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    if (intervalSeconds <= 0) return;
    const intervalMs = intervalSeconds * 1000;
    this.keepaliveTimer = setInterval(() => {
      if (Date.now() - this.lastNattSendAt >= intervalMs - 50) this.sendNatt(NAT_KEEPALIVE);
    }, intervalMs);
    this.keepaliveTimer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.keepaliveTimer);
    this.natt.close();
    try {
      this.ike.close();
    } catch {
      // already closed
    }
  }
}

/** A connected socket learns the source address the kernel picks toward the gateway, which
 * NAT-D must hash (RFC 3947 3.2), and receives only from the gateway. */
function bindAndConnect(
  socket: Socket,
  port: number,
  gateway: string,
  gatewayPort: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, () => {
      socket.connect(gatewayPort, gateway, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  });
}
