// The NAT-T leg's batched UDP socket and the data path on it, run inside a test namespace (loopback only):
// `node --import tsx udp-child.ts <mode>`. Prints one JSON line with what it saw.
import { execFileSync } from 'node:child_process';
import { type Socket, createSocket } from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { IkeLeg } from '../../../app/shared/dataplane-port.js';
import { NativeEspEngine } from '../../../app/dataplane/esp/index.js';
import { openTun } from '../../../app/dataplane/tun/index.js';
import { loadTunAddon } from '../../../app/dataplane/tun/native-addon.js';
import { UdpLegs } from '../../../app/dataplane/udp-legs.js';
import { EspEngine } from '../esp-model/index.js';
import {
  CLIENT_ADDRESS,
  CORPORATE_HOST,
  inboundPacket,
  mirroredSas,
  transformCase,
} from '../esp-support/fixtures.js';
import { udpPacket } from '../tun-support/ipv4-packets.js';
import { SEND_SIZES, indexOf, numbered } from './datagrams.js';

const LOOPBACK = '127.0.0.1';
const BUFFER_BYTES = 1 << 20;

const report = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function bound(): Promise<Socket> {
  // room for a whole test batch: the receiver reads only after the sender is done
  const socket = createSocket({ type: 'udp4', recvBufferSize: BUFFER_BYTES });
  socket.bind(0, LOOPBACK);
  await once(socket, 'listening');
  return socket;
}

function collect(socket: Socket, count: number, timeoutMs = 3000): Promise<Buffer[]> {
  const received: Buffer[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(received), timeoutMs);
    socket.on('message', (packet) => {
      received.push(packet);
      if (received.length === count) {
        clearTimeout(timer);
        resolve(received);
      }
    });
  });
}

/** the client's native engine and the fake gateway's (the reference model), one SA pair */
function mirroredEngines(): { esp: NativeEspEngine; gatewayEsp: EspEngine } {
  const sas = mirroredSas(transformCase('aes-cbc-256/hmac-sha1-96'));
  const esp = new NativeEspEngine();
  esp.install(sas.client);
  const gatewayEsp = new EspEngine();
  gatewayEsp.install(sas.gateway);
  return { esp, gatewayEsp };
}

/** A data path over a TUN, never closed, while the gateway's ESP keeps its inbound thread busy;
 * then Node's loop is left to drain, or process.exit() ends it at once. */
async function leaveOpen(exit: boolean): Promise<void> {
  const gateway = await bound();
  const { esp, gatewayEsp } = mirroredEngines();
  const natt = new (loadTunAddon().UdpSocket)(4, 0, BUFFER_BYTES);
  natt.connect(LOOPBACK, gateway.address().port);
  const path = esp.openDataPath(natt, () => undefined);
  natt.start(null, null, () => undefined);
  openTun({ name: 'rwdp%d', mtu: 1400 }).feed(path);
  const sent = 200;
  for (let index = 0; index < sent; index++) {
    const inner = udpPacket({
      source: CORPORATE_HOST,
      destination: CLIENT_ADDRESS,
      sourcePort: 53,
      destinationPort: 53,
      payload: numbered(index, 1000),
    });
    gateway.send(gatewayEsp.encrypt(inner)!, natt.local().port, LOOPBACK);
  }
  report({ sent });
  gateway.unref();
  if (exit) process.exit(0);
}

const modes: Record<string, () => Promise<void>> = {
  /** the socket's batched send: one datagram per packet, in order, GSO for runs of equal sizes */
  async send() {
    const addon = loadTunAddon();
    const gateway = await bound();
    const socket = new addon.UdpSocket(4, 0, BUFFER_BYTES);
    socket.connect(LOOPBACK, gateway.address().port);
    const outbound = SEND_SIZES.map((size, index) => numbered(index, size));
    const arriving = collect(gateway, outbound.length);
    const taken = socket.sendBatch({
      slab: Buffer.concat(outbound),
      lengths: Uint32Array.from(outbound, (packet) => packet.length),
      count: outbound.length,
    });
    const arrived = await arriving;
    report({
      sent: outbound.length,
      taken,
      arrivedOrder: arrived.map(indexOf),
      arrivedLengths: arrived.map((packet) => packet.length),
    });
    socket.close();
    gateway.close();
  },

  /** the legs and their data path against a fake gateway: IKE with the marker out, and in: ESP,
   * a keepalive, IKE behind the marker, more ESP, opened in the addon up to the IKE message */
  async legs() {
    const gatewayIke = await bound();
    const gateway = await bound();
    const sas = mirroredSas(transformCase('aes-gcm-16-256'));
    const esp = new NativeEspEngine();
    esp.install(sas.client);
    const gatewayEsp = new EspEngine();
    gatewayEsp.install(sas.gateway);
    const opened = () => esp.counters().total.packetsIn;
    const ike: { leg: IkeLeg; packet: string }[] = [];
    const errors: string[] = [];
    const sequence: string[] = [];
    const legs = await UdpLegs.open(
      {
        gateway: LOOPBACK,
        gatewayPort: gatewayIke.address().port,
        gatewayNattPort: gateway.address().port,
      },
      esp,
      {
        onIke: (packet, leg) => {
          ike.push({ leg, packet: packet.toString() });
          sequence.push(`ike after ${opened()} ESP`);
          // stands for the engine's promise chain after a Quick Mode message
          void Promise.resolve()
            .then(() => undefined)
            .then(() => sequence.push(`ike settled after ${opened()} ESP`));
        },
        onError: (_leg, error) => errors.push(error.message),
      },
    );
    const client = { port: legs.localNattPort, address: legs.localAddress };

    const arriving = collect(gateway, 1);
    legs.sendIke(Buffer.from('ike-out'), 'natt');
    const [arrived] = await arriving;

    const inbound = [0, 1, 2, 3].map((index) => gatewayEsp.encrypt(inboundPacket(100 + index))!);
    const incoming = [
      inbound[0]!,
      inbound[1]!,
      Buffer.from([0xff]), // keepalive
      Buffer.alloc(7, 1), // too short to be ESP: not even counted
      Buffer.concat([Buffer.alloc(4), Buffer.from('ike-in')]),
      inbound[2]!,
      inbound[3]!,
    ];
    for (const packet of incoming) gateway.send(packet, client.port, client.address);
    for (let waited = 0; ike.length === 0 || opened() < 4; waited += 20) {
      if (waited > 3000) break;
      await delay(20);
    }
    const { total } = esp.counters();
    report({
      sendErrors: legs.sendErrors,
      arrived: arrived?.toString('hex'),
      ike,
      opened: total.packetsIn,
      malformed: total.malformedDrops,
      receivedRecently: Date.now() - legs.lastInboundAt < 3000,
      sequence,
      errors,
    });
    legs.close();
    gatewayIke.close();
    gateway.close();
  },

  /** the whole loop through a TUN: the kernel's UDP to the corporate host leaves sealed for the
   * fake gateway, and what the gateway seals reaches a local socket, all in order */
  async tunnel() {
    const gatewayIke = await bound();
    const gateway = await bound();
    const { esp, gatewayEsp } = mirroredEngines();
    const errors: string[] = [];
    const legs = await UdpLegs.open(
      {
        gateway: LOOPBACK,
        gatewayPort: gatewayIke.address().port,
        gatewayNattPort: gateway.address().port,
      },
      esp,
      { onIke: () => errors.push('unexpected IKE'), onError: (_leg, e) => errors.push(e.message) },
    );
    const tun = openTun({ name: 'rwdp%d', mtu: 1400 });
    execFileSync('ip', ['addr', 'add', `${CLIENT_ADDRESS}/32`, 'dev', tun.name]);
    execFileSync('ip', ['route', 'add', '198.51.100.0/24', 'dev', tun.name]);
    legs.attachTun(tun);

    // out: the kernel's datagrams through the TUN, sealed in the addon, opened by the gateway
    const local = createSocket('udp4');
    local.bind(0, CLIENT_ADDRESS);
    await once(local, 'listening');
    const sizes = [1, 100, 1300, 28, 700, 1372];
    const arriving = collect(gateway, sizes.length);
    for (const [index, size] of sizes.entries())
      local.send(numbered(index, Math.max(size, 4)), 53, CORPORATE_HOST);
    const out = (await arriving).map((packet) => {
      const opened = gatewayEsp.decrypt(packet);
      return 'packet' in opened ? indexOf(opened.packet.subarray(28)) : -1;
    });

    // in: the gateway's ESP opened in the addon and written to the TUN, for the local socket
    const received = collect(local, sizes.length);
    for (const [index, size] of sizes.entries()) {
      const inner = udpPacket({
        source: CORPORATE_HOST,
        destination: CLIENT_ADDRESS,
        sourcePort: 53,
        destinationPort: local.address().port,
        payload: numbered(index, Math.max(size, 4)),
      });
      gateway.send(gatewayEsp.encrypt(inner)!, legs.localNattPort, legs.localAddress);
    }
    const back = (await received).map(indexOf);
    const { total } = esp.counters();
    report({ out, back, packetsOut: total.packetsOut, packetsIn: total.packetsIn, errors });
    local.close();
    legs.attachTun(undefined);
    tun.close();
    legs.close();
    gatewayIke.close();
    gateway.close();
  },

  /** on the data path's threads: ICMP port unreachable reaches onError and receiving goes on;
   * a TUN closed while a thread reads it stops that thread first, and what is opened after it is
   * counted and dropped */
  async pathErrors() {
    const gatewayIke = await bound();
    const closed = await bound();
    const port = closed.address().port;
    closed.close(); // nothing listens there any more: the kernel answers port unreachable
    const { esp, gatewayEsp } = mirroredEngines();
    const errors: string[] = [];
    const legs = await UdpLegs.open(
      { gateway: LOOPBACK, gatewayPort: gatewayIke.address().port, gatewayNattPort: port },
      esp,
      {
        onIke: () => errors.push('unexpected IKE'),
        onError: (leg, error) => errors.push(`${leg} ${(error as NodeJS.ErrnoException).code}`),
      },
    );
    const tun = openTun({ name: 'rwdp%d', mtu: 1400 });
    legs.attachTun(tun);
    legs.sendIke(Buffer.from('probe'), 'natt');
    for (let waited = 0; errors.length === 0 && waited < 2000; waited += 20) await delay(20);
    tun.close();
    const revived = createSocket('udp4');
    revived.bind(port, LOOPBACK);
    await once(revived, 'listening');
    const inner = udpPacket({
      source: CORPORATE_HOST,
      destination: CLIENT_ADDRESS,
      sourcePort: 53,
      destinationPort: 53,
      payload: numbered(0, 100),
    });
    revived.send(gatewayEsp.encrypt(inner)!, legs.localNattPort, LOOPBACK);
    const packetsIn = () => esp.counters().total.packetsIn;
    for (let waited = 0; packetsIn() === 0 && waited < 2000; waited += 20) await delay(20);
    report({ errors, packetsIn: packetsIn() });
    legs.close();
    gatewayIke.close();
    revived.close();
  },

  /** a data path left open keeps nothing alive: Node's loop drains and the process ends */
  openAtEnd: () => leaveOpen(false),
  /** process.exit() while the data path's threads run (and open packets) */
  openAtExit: () => leaveOpen(true),

  /** ICMP port unreachable on the connected socket is an error for onError, not the end */
  async refused() {
    const addon = loadTunAddon();
    const socket = new addon.UdpSocket(4, 0, BUFFER_BYTES);
    const closed = await bound();
    const port = closed.address().port;
    closed.close(); // nothing listens there any more: the kernel answers port unreachable
    socket.connect(LOOPBACK, port);
    const errors: string[] = [];
    const received: number[] = [];
    const lengths = new Uint32Array(addon.batchLimit);
    socket.start(
      (slab, count) => {
        for (let index = 0, offset = 0; index < count; offset += lengths[index++] ?? 0) {
          received.push(indexOf(slab.subarray(offset, offset + (lengths[index] ?? 0))));
        }
      },
      lengths,
      (error) => errors.push(String(error.code)),
    );
    const taken = socket.sendBatch([numbered(0, 100)]);
    for (let waited = 0; errors.length === 0 && waited < 2000; waited += 20) await delay(20);
    // the port comes back: the same socket still receives
    const revived = createSocket('udp4');
    revived.bind(port, LOOPBACK);
    await once(revived, 'listening');
    revived.send(numbered(5, 200), socket.local().port, LOOPBACK);
    for (let waited = 0; received.length === 0 && waited < 2000; waited += 20) await delay(20);
    report({ taken, errors, received });
    socket.close();
    socket.close();
    revived.close();
  },
};

const mode = process.argv[2] ?? '';
const run = modes[mode];
if (!run) throw new Error(`unknown mode ${mode}`);
await run();
