// A TUN user run inside a test namespace: `node --import tsx tun-child.ts <mode> <name>`.
// Reports JSON lines on stdout; where it waits, stdin closing means "finish".
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
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

function openAddressed(name: string): TunDevice {
  const tun = openTun({ name, mtu: MTU });
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

const modes: Record<string, (name: string) => Promise<void>> = {
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

  /** just open: the error code, if any */
  async open(name) {
    report({ result: errorCode(() => openTun({ name, mtu: MTU }).close()) });
  },
};

const [mode = '', name = 'rwtun0'] = process.argv.slice(2);
const body = modes[mode];
if (body === undefined) throw new Error(`unknown mode ${mode}`);
await body(name);
