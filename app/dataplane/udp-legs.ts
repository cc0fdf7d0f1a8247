// The two UDP legs to the gateway: port 500 for IKE until NAT-T floats, port 4500 for IKE
// (behind the non-ESP marker) and ESP-in-UDP (RFC 3948). Local ports are ephemeral by default,
// so no privilege is needed for IKE itself.
import { type Socket, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { IkeLeg, OpenIkeOptions } from '../shared/dataplane-port.js';

/** RFC 3948 2.2: IKE on port 4500 starts with four zero bytes where ESP has its SPI. */
const NON_ESP_MARKER_LENGTH = 4;
/** RFC 3948 2.3 */
const NAT_KEEPALIVE = Buffer.from([0xff]);
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpLegHandlers {
  onIke(packet: Buffer, leg: IkeLeg): void;
  onEsp(packet: Buffer): void;
  onError(leg: IkeLeg, error: Error): void;
}

export class UdpLegs {
  private lastNattSendAt = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  lastInboundAt = 0;
  sendErrors = 0;

  private constructor(
    private readonly ike: Socket,
    private readonly natt: Socket,
  ) {}

  static async open(options: OpenIkeOptions, handlers: UdpLegHandlers): Promise<UdpLegs> {
    const type = isIPv6(options.gateway) ? 'udp6' : 'udp4';
    const ike = createSocket({ type });
    const natt = createSocket({
      type,
      recvBufferSize: SOCKET_BUFFER_BYTES,
      sendBufferSize: SOCKET_BUFFER_BYTES,
    });
    const legs = new UdpLegs(ike, natt);
    ike.on('message', (packet) => {
      legs.lastInboundAt = Date.now();
      handlers.onIke(packet, 'ike');
    });
    natt.on('message', (packet) => {
      legs.lastInboundAt = Date.now();
      if (packet.length === 1 && packet[0] === 0xff) return; // gateway's keepalive
      if (packet.length > NON_ESP_MARKER_LENGTH && packet.readUInt32BE(0) === 0) {
        handlers.onIke(packet.subarray(NON_ESP_MARKER_LENGTH), 'natt');
      } else if (packet.length >= 8) {
        handlers.onEsp(packet);
      }
    });
    ike.on('error', (error) => handlers.onError('ike', error));
    natt.on('error', (error) => handlers.onError('natt', error));
    await Promise.all([
      bindAndConnect(ike, options.localPort ?? 0, options.gateway, options.gatewayPort ?? 500),
      bindAndConnect(
        natt,
        options.localNattPort ?? 0,
        options.gateway,
        options.gatewayNattPort ?? 4500,
      ),
    ]);
    return legs;
  }

  get localAddress(): string {
    return this.ike.address().address;
  }
  get localPort(): number {
    return this.ike.address().port;
  }
  get localNattPort(): number {
    return this.natt.address().port;
  }

  sendIke(packet: Buffer, leg: IkeLeg): void {
    if (leg === 'ike') {
      this.ike.send(packet, this.onSent);
    } else {
      this.sendNatt(Buffer.concat([Buffer.alloc(NON_ESP_MARKER_LENGTH), packet]));
    }
  }

  sendEsp(packet: Buffer): void {
    this.sendNatt(packet);
  }

  private sendNatt(packet: Buffer): void {
    this.lastNattSendAt = Date.now();
    this.natt.send(packet, this.onSent);
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
    clearInterval(this.keepaliveTimer);
    for (const socket of [this.ike, this.natt]) {
      try {
        socket.close();
      } catch {
        // already closed
      }
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
