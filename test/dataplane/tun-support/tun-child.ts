// A TUN user (or a TCP peer talking through one) run inside a test namespace:
// `node --import tsx tun-child.ts <mode> <name> [...args]`.
// Reports JSON lines on stdout; where it waits, stdin closing means "finish".
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { type TunDevice, TunError, openTun } from '../../../app/dataplane/tun/index.js';
import { PEER_ADDRESS, TUN_ADDRESS, TUN_PREFIX } from './addresses.js';
import { echoRequestToReply, udpPacket } from './ipv4-packets.js';

const DATAGRAMS = 200;
/** 1400-byte MTU minus IPv4 and UDP headers */
const MAX_PAYLOAD = 1372;
const MTU = 1400;

const report = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
const stdinClosed = () => once(process.stdin.resume(), 'end');

function openAddressed(name: string, offload = true): TunDevice {
  const tun = openTun({ name, mtu: MTU, offload });
  ip('addr', 'add', `${TUN_ADDRESS}/${TUN_PREFIX}`, 'dev', tun.name);
  return tun;
}

function errorCode(open: () => unknown): string {
  try {
    open();
    return 'opened';
  } catch (error) {
    return error instanceof TunError ? error.code : String(error);
  }
}

/** datagram i: its index, then bytes that depend on it; sizes cover 1..MAX_PAYLOAD */
function payloadFor(index: number): Buffer {
  const payload = Buffer.alloc(index === 0 ? MAX_PAYLOAD : 4 + ((index * 97) % (MAX_PAYLOAD - 4)));
  payload.writeUInt32BE(index, 0);
  for (let at = 4; at < payload.length; at++) payload[at] = (index + at) & 0xff;
  return payload;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const modes: Record<string, (name: string, ...args: string[]) => Promise<void>> = {
  /** answer ICMP echo requests until stdin closes */
  async echo(name) {
    const tun = openAddressed(name);
    let echoed = 0;
    tun.onPackets((packets) => {
      // the requests are turned into their replies in place
      echoed += tun.writeBatch(packets.filter(echoRequestToReply));
    });
    report({ name: tun.name });
    await stdinClosed();
    report({ echoed, stats: tun.stats() });
    tun.close();
  },

  /** forge DATAGRAMS UDP datagrams through the TUN to a socket in the namespace */
  async 'inject-udp'(name) {
    const tun = openAddressed(name);
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    socket.bind(0, TUN_ADDRESS);
    await once(socket, 'listening');
    const seen = new Map<number, boolean>();
    let duplicates = 0;
    const allSeen = new Promise<void>((resolve) => {
      socket.on('message', (payload) => {
        const index = payload.length >= 4 ? payload.readUInt32BE(0) : -1;
        if (seen.has(index)) duplicates++;
        seen.set(index, payload.equals(payloadFor(index)));
        if (seen.size === DATAGRAMS) resolve();
      });
    });
    const packets = Array.from({ length: DATAGRAMS }, (_, index) =>
      udpPacket({
        source: PEER_ADDRESS,
        destination: TUN_ADDRESS,
        sourcePort: 40000,
        destinationPort: socket.address().port,
        payload: payloadFor(index),
      }),
    );
    const half = DATAGRAMS / 2;
    let written = 0;
    for (const packet of packets.slice(0, half)) written += tun.write(packet) ? 1 : 0;
    written += tun.writeBatch(packets.slice(half));
    await Promise.race([allSeen, delay(3000, undefined, { ref: false })]);
    const intact = [...seen.values()].filter(Boolean).length;
    report({
      sent: DATAGRAMS,
      written,
      received: seen.size,
      intact,
      duplicates,
      stats: tun.stats(),
    });
    socket.close();
    tun.close();
  },

  /** kernel-chosen name, MTU and link state, names in use, close twice, use after close */
  async lifecycle(name) {
    const tun = openTun({ name: '', mtu: 1280 });
    const [link] = JSON.parse(ip('-j', 'link', 'show', tun.name)) as Array<{
      mtu: number;
      flags: string[];
    }>;
    const takenByTun = errorCode(() => openTun({ name: tun.name, mtu: MTU }));
    const takenByOther = errorCode(() => openTun({ name, mtu: MTU }));
    tun.onPackets(() => undefined);
    tun.close();
    tun.close();
    let linkGone = false;
    try {
      ip('link', 'show', tun.name);
    } catch {
      linkGone = true;
    }
    const packet = Buffer.alloc(28, 0x45);
    report({
      name: tun.name,
      link,
      takenByTun,
      takenByOther,
      linkGone,
      writeAfterClose: tun.write(packet),
      writeBatchAfterClose: tun.writeBatch([packet, packet]),
      stats: tun.stats(),
    });
    // nothing may keep the process alive now
  },

  /** reading keeps the process alive until SIGUSR2 unrefs it */
  async keepalive(name) {
    const tun = openTun({ name, mtu: MTU });
    tun.onPackets(() => undefined);
    process.on('SIGUSR2', () => tun.unref());
    report({ name: tun.name });
  },

  /** the interface is deleted under a reading device */
  async deleted(name) {
    const tun = openTun({ name, mtu: MTU });
    tun.onPackets(() => undefined);
    tun.onError((error) => {
      report({ error: error.message, code: (error as NodeJS.ErrnoException).code });
      tun.close();
    });
    report({ name: tun.name });
  },

  /** forward between this namespace's TUN `name` (our address) and TUN `far`, moved into
   * namespace `farNetns` (the peer address), until stdin closes */
  async forward(name, far = 'rwtun1', farNetns = '', offload = 'true') {
    const near = openAddressed(name, offload === 'true');
    const other = openTun({ name: far, mtu: MTU, offload: offload === 'true' });
    ip('link', 'set', other.name, 'netns', farNetns);
    ip('-n', farNetns, 'addr', 'add', `${PEER_ADDRESS}/${TUN_PREFIX}`, 'dev', other.name);
    ip('-n', farNetns, 'link', 'set', other.name, 'up');
    let largestPacket = 0;
    const pass = (to: TunDevice) => (packets: Buffer[]) => {
      for (const packet of packets) largestPacket = Math.max(largestPacket, packet.length);
      to.writeBatch(packets);
    };
    near.onPackets(pass(other));
    other.onPackets(pass(near));
    report({ offload: [near.offload, other.offload] });
    await stdinClosed();
    report({ largestPacket, stats: [near.stats(), other.stats()] });
    near.close();
    other.close();
  },

  /** a TCP echo server on the peer address until stdin closes */
  async 'tcp-echo'() {
    const server = createServer((socket) => socket.pipe(socket));
    server.listen(0, PEER_ADDRESS);
    await once(server, 'listening');
    report({ port: (server.address() as { port: number }).port });
    await stdinClosed();
    server.close();
  },

  /** sends `bytes` random bytes to the echo server on `port`, reports hashes of both ways */
  async 'tcp-send'(_name, port = '0', bytes = '0') {
    const data = randomBytes(Number(bytes));
    const socket = connect(Number(port), PEER_ADDRESS);
    const chunks: Buffer[] = [];
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= data.length) socket.end();
    });
    socket.write(data);
    await once(socket, 'close');
    report({ sent: sha256(data), received: sha256(Buffer.concat(chunks)), bytes: received });
  },

  /** just open: the error code, if any */
  async open(name) {
    report({ result: errorCode(() => openTun({ name, mtu: MTU }).close()) });
  },
};

const [mode = '', name = 'rwtun0', ...args] = process.argv.slice(2);
const body = modes[mode];
if (body === undefined) throw new Error(`unknown mode ${mode}`);
await body(name, ...args);
