// Loads the compiled Node-API addon (native/tun.cc, udp.cc, netlink.cc) and types what it exports.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { TunError } from './errors.js';
import type { TunDevice } from './tun-device.js';

const TUN_ADDON_PATH = fileURLToPath(new URL('./native/build/Release/tun.node', import.meta.url));
const NOT_BUILT =
  'the TUN addon is not built: run npm ci / npx node-gyp rebuild --directory app/dataplane/tun/native';

/** The addon's device: what LinuxTun passes through, plus the raw fd and the batch reader. */
export interface NativeTun extends Pick<
  TunDevice,
  'name' | 'write' | 'writeBatch' | 'stats' | 'ref' | 'unref' | 'close'
> {
  /** -1 once closed */
  readonly fd: number;
  /** packets of one batch arrive back to back in `slab`, their lengths in `lengths[0..count)` */
  start(
    onBatch: (slab: Buffer, count: number) => void,
    lengths: Uint32Array,
    onError: (error: NodeJS.ErrnoException) => void,
  ): void;
}

/** The addon's UDP socket (native/udp.cc) for the NAT-T leg: batched receive and send. */
export interface NativeUdpSocket {
  /** the peer every send goes to and the only one received from; throws errno errors */
  connect(address: string, port: number): void;
  local(): { address: string; port: number };
  /** datagrams of one batch arrive back to back in `slab`, their lengths in `lengths[0..count)`;
   * receive errors (e.g. ICMP port unreachable) go to onError and reading goes on */
  start(
    onBatch: (slab: Buffer, count: number) => void,
    lengths: Uint32Array,
    onError: (error: NodeJS.ErrnoException) => void,
  ): void;
  /** one datagram: false if the kernel did not take it */
  send(packet: Buffer): boolean;
  /** one datagram per packet, in order (sendmmsg, UDP GSO for equal sizes): how many were taken */
  sendBatch(packets: Buffer[]): number;
  ref(): void;
  unref(): void;
  /** safe to call twice */
  close(): void;
}

export interface TunAddon {
  /** opens /dev/net/tun and attaches it to the named interface; throws errno errors */
  Tun: new (name: string) => NativeTun;
  /** SIOCSIFMTU and IFF_UP */
  configureLink(name: string, mtu: number): void;
  /** most packets one readable event delivers (TUN and UDP alike) */
  readonly batchLimit: number;
  /** a UDP socket bound to the wildcard address and `localPort` (0 = ephemeral), with send and
   * receive buffers of `bufferBytes` (capped by the kernel); throws errno errors */
  UdpSocket: new (ipVersion: 4 | 6, localPort: number, bufferBytes: number) => NativeUdpSocket;
  /** one rtnetlink request in the namespace /run/netns/<netns> ('' = this process's): the reply
   * messages up to the ack or the end of the dump; the kernel's refusal is thrown as an errno
   * error whose message is the bare strerror() text */
  rtnetlink(netns: string, request: Buffer): Buffer;
}

/** require() caches the module, so repeated calls are cheap. */
export function loadTunAddon(path = TUN_ADDON_PATH): TunAddon {
  try {
    return createRequire(import.meta.url)(path) as TunAddon;
  } catch (error) {
    throw new TunError('addon-not-built', NOT_BUILT, { cause: error });
  }
}

/** The packets of one batch as views into its slab (no copies), in the order they came. */
export function batchPackets(slab: Buffer, lengths: Uint32Array, count: number): Buffer[] {
  const packets = new Array<Buffer>(count);
  let offset = 0;
  for (let index = 0; index < count; index++) {
    const end = offset + (lengths[index] ?? 0);
    packets[index] = slab.subarray(offset, end);
    offset = end;
  }
  return packets;
}
