// The two UDP legs to the gateway: port 500 for IKE until NAT-T floats, port 4500 for IKE
// (behind the non-ESP marker) and ESP-in-UDP (RFC 3948). Local ports are ephemeral by default,
// so no privilege is needed for IKE itself. The NAT-T leg carries every packet of the tunnel,
// so it is the addon's batched socket (recvmmsg / sendmmsg with UDP GSO) rather than
// node:dgram, and its receive batches go straight into the addon's data path
// (native/datapath.cc: demultiplexed, opened and written to the TUN), which also seals and sends
// what the TUN reads: JavaScript sees only the IKE messages.
import { type Socket, createSocket } from 'node:dgram';
import type { IkeLeg, OpenIkeOptions } from '../shared/dataplane-port.js';
import type { NativeEspEngine } from './esp/index.js';
import type { TunDevice } from './tun/index.js';
import { type NativeDataPath, type NativeUdpSocket, loadTunAddon } from './tun/native-addon.js';

/** RFC 3948 2.2: IKE on port 4500 starts with four zero bytes where ESP has its SPI. */
const NON_ESP_MARKER_LENGTH = 4;
/** RFC 3948 2.3 */
const NAT_KEEPALIVE = Buffer.from([0xff]);
const NON_ESP_MARKER = Buffer.alloc(NON_ESP_MARKER_LENGTH);
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpLegHandlers {
  onIke(packet: Buffer, leg: IkeLeg): void;
  onError(leg: IkeLeg, error: Error): void;
}

/** NativeDataPath.activity()'s fields */
const RECEIVED_AT = 0;
const SENT_AT = 1;
const SEND_DROPS = 2;

export class UdpLegs {
  private lastNattSendAt = 0;
  private ikeInboundAt = 0;
  private ikeSendErrors = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly activity = new Float64Array(3);
  private dataPath: NativeDataPath | undefined;

  private constructor(
    private readonly ike: Socket,
    private readonly natt: NativeUdpSocket,
  ) {}

  /** The legs, with the data path over `esp` taking the NAT-T leg's batches. */
  static async open(
    options: OpenIkeOptions,
    esp: NativeEspEngine,
    handlers: UdpLegHandlers,
  ): Promise<UdpLegs> {
    // an address (the engine resolved the name), and only IPv6 ones have colons; net.isIPv6's
    // large regular expression cost ~0.1 ms per warm connect in profiles (V8 drops its code)
    const ipv6 = options.gateway.includes(':');
    // first: this one throws synchronously (addon not built, port in use), with nothing to undo
    const addon = loadTunAddon();
    const natt = new addon.UdpSocket(ipv6 ? 6 : 4, options.localNattPort ?? 0, SOCKET_BUFFER_BYTES);
    const ike = createSocket({ type: ipv6 ? 'udp6' : 'udp4' });
    const legs = new UdpLegs(ike, natt);
    ike.on('message', (packet) => {
      legs.ikeInboundAt = Date.now();
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
    legs.dataPath = esp.openDataPath(natt, (packet, rest, restLengths) =>
      legs.onNattIke(packet, rest, restLengths, handlers),
    );
    natt.start(null, null, (error) => handlers.onError('natt', error));
    return legs;
  }

  /** The TUN the data path reads and writes; undefined before the network is set up and once
   * it is taken down (opened packets are then counted and dropped). */
  attachTun(tun: TunDevice | undefined): void {
    if (!this.dataPath) return;
    if (tun) tun.feed(this.dataPath);
    else this.dataPath.setTun(null);
  }

  get lastInboundAt(): number {
    return Math.max(this.ikeInboundAt, this.readActivity()[RECEIVED_AT]!);
  }

  get sendErrors(): number {
    return this.ikeSendErrors + this.readActivity()[SEND_DROPS]!;
  }

  private readActivity(): Float64Array {
    this.dataPath?.activity(this.activity);
    return this.activity;
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

  /**
   * An IKE message came in a receive batch: the ESP before it is already opened, what followed
   * it waits for the next turn of the event loop, as with one event per datagram: the IKE
   * handler's promise chain (a Quick Mode message installing the SA the following ESP uses)
   * runs first.
   */
  private onNattIke(
    packet: Buffer,
    rest: Buffer,
    restLengths: Uint32Array,
    handlers: UdpLegHandlers,
  ): void {
    handlers.onIke(packet, 'natt');
    if (restLengths.length === 0) return;
    setImmediate(() => {
      if (!this.closed) this.dataPath?.resume(rest, restLengths);
    });
  }

  sendIke(packet: Buffer, leg: IkeLeg): void {
    if (leg === 'ike') {
      this.ike.send(packet, this.onSent);
    } else {
      this.sendNatt(Buffer.concat([NON_ESP_MARKER, packet]));
    }
  }

  private sendNatt(packet: Buffer): void {
    this.lastNattSendAt = Date.now();
    if (!this.natt.send(packet)) this.ikeSendErrors++;
  }

  private readonly onSent = (error: Error | null): void => {
    if (error) this.ikeSendErrors++;
  };

  /** Sends a keepalive whenever nothing else left on the NAT-T leg for a whole interval. */
  setKeepalive(intervalSeconds: number): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    if (intervalSeconds <= 0) return;
    const intervalMs = intervalSeconds * 1000;
    this.keepaliveTimer = setInterval(() => {
      const lastSent = Math.max(this.lastNattSendAt, this.readActivity()[SENT_AT]!);
      if (Date.now() - lastSent >= intervalMs - 50) this.sendNatt(NAT_KEEPALIVE);
    }, intervalMs);
    this.keepaliveTimer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.keepaliveTimer);
    this.dataPath?.close();
    this.dataPath = undefined;
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
