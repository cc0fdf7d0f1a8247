// Loads the compiled Node-API addon (native/tun.cc, udp.cc, netlink.cc, esp.cc) and types what
// it exports.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { TunError } from './errors.js';
import type { PacketSlab, TunDevice } from './tun-device.js';

export type { PacketSlab };

// resolved when loading, not at import: the CLI's startup snapshot learns its location only then
const tunAddonPath = () =>
  fileURLToPath(new URL('./native/build/Release/tun.node', import.meta.url));
const NOT_BUILT =
  'the TUN addon is not built: run npm ci / npx node-gyp rebuild --directory app/dataplane/tun/native';

/** The addon's device: what LinuxTun passes through, plus the raw fd and the batch reader. */
export interface NativeTun extends Pick<
  TunDevice,
  'name' | 'offload' | 'write' | 'writeBatch' | 'stats' | 'ref' | 'unref' | 'close'
> {
  /** -1 once closed */
  readonly fd: number;
  /** most packets one batch delivers: the length `lengths` must have */
  readonly batchLimit: number;
  /** packets of one batch arrive back to back in `slab`, their lengths in `lengths[0..count)`;
   * (null, null, onError) when a DataPath takes the batches */
  start: BatchStart;
}

/** A reader's start(): to JavaScript, or (null, null, onError) to the DataPath attached to it */
export interface BatchStart {
  (
    onBatch: (slab: Buffer, count: number) => void,
    lengths: Uint32Array,
    onError: (error: NodeJS.ErrnoException) => void,
  ): void;
  (onBatch: null, lengths: null, onError: (error: NodeJS.ErrnoException) => void): void;
}

/** The addon's UDP socket (native/udp.cc) for the NAT-T leg: batched receive and send. */
export interface NativeUdpSocket {
  /** the peer every send goes to and the only one received from; throws errno errors */
  connect(address: string, port: number): void;
  local(): { address: string; port: number };
  /** datagrams of one batch arrive back to back in `slab`, their lengths in `lengths[0..count)`;
   * receive errors (e.g. ICMP port unreachable) go to onError and reading goes on */
  start: BatchStart;
  /** one datagram: false if the kernel did not take it */
  send(packet: Buffer): boolean;
  /** one datagram per packet, in order (sendmmsg, UDP GSO for equal sizes): how many were taken */
  sendBatch(packets: Buffer[] | PacketSlab): number;
  ref(): void;
  unref(): void;
  /** safe to call twice */
  close(): void;
}

/** What the addon's ESP engine (native/esp.cc) takes to install one SA pair. */
export interface NativeSaSpec {
  /** OpenSSL names: aes-256-gcm, aes-128-cbc, des-ede3-cbc, ...; sha1, sha256, md5 or '' */
  cipher: string;
  digest: string;
  icvLength: number;
  inbound: { spi: number; encryptionKey: Buffer; integrityKey: Buffer; salt: Buffer };
  outbound: { spi: number; encryptionKey: Buffer; integrityKey: Buffer; salt: Buffer };
  replayWindow: number;
  /** 0: no kilobyte limit */
  softLifetimeBytes: number;
  hardLifetimeBytes: number;
  firstSequence: number;
  /** IPv4 selector networks as [network, mask, network, mask, ...] */
  local: Uint32Array;
  remote: Uint32Array;
  /** IPv6 selector networks, 32 bytes each: network (16), mask (16) */
  local6: Uint8Array;
  remote6: Uint8Array;
}

/** The addon's ESP engine (native/esp.cc): one call per batch, outputs in caller-owned slabs. */
export interface NativeEsp {
  /** throws when OpenSSL refuses the transform or keys, or handle/inbound SPI is taken */
  install(handle: number, spec: NativeSaSpec): void;
  remove(handle: number): boolean;
  /** ESP packets back to back in slab, lengths in `lengths`: how many, or -(bytes needed) */
  seal(packets: readonly Buffer[] | PacketSlab, slab: Buffer, lengths: Uint32Array): number;
  /** inner packets back to back in slab, lengths in `lengths`, outcome per input (0 delivered,
   * else ESP_DROP_REASONS index + 1): how many delivered, or -(bytes needed) */
  open(
    packets: readonly Buffer[] | PacketSlab,
    slab: Buffer,
    lengths: Uint32Array,
    outcomes: Uint8Array,
  ): number;
  /** packetsIn, bytesIn, packetsOut, bytesOut, icvFailures, replayDrops, decryptErrors,
   * paddingErrors, selectorDrops, sendErrors, lastInboundAt, lastOutboundAt */
  saCounters(handle: number, out: Float64Array): boolean;
  totals(): { noSaDrops: number; noRouteDrops: number; malformedDrops: number };
  /** [handle, reason (0 sequence-space, 1 kilobyte-lifetime: soft; 2 sequence space exhausted,
   * 3 kilobyte lifetime reached: hard), ...]; clears the signal */
  takeEvents(): number[];
}

/**
 * The tunnel's hot loop in the addon (native/datapath.cc), on two threads of its own: TUN reads
 * sealed and sent, NAT-T receive batches demultiplexed, opened and written to the TUN, with no
 * JavaScript per batch. Made with the NAT-T socket, which it reads from then on; IKE messages,
 * lifetime events and receive errors reach JavaScript on its own thread.
 */
export interface NativeDataPath {
  /** the TUN whose batches are sealed and that opened packets go to (null: dropped, counted) */
  setTun(tun: NativeTun | null): void;
  /** what followed an IKE message in a receive batch (onIke's rest), on a later turn: the
   * receiving thread waits until then */
  resume(slab: Buffer, lengths: Uint32Array): void;
  /** lastReceivedAt, lastSentAt (ms, 0 = never), sendDrops of the NAT-T leg */
  activity(out: Float64Array): void;
  /** the threads stop; the socket and TUN are no longer read; safe to repeat */
  close(): void;
}

export interface TunAddon {
  /** opens /dev/net/tun and attaches it to the named interface, in offload mode if asked and
   * the kernel agrees (plain mode by default, for users of the raw fd); throws errno errors */
  Tun: new (name: string, offload?: boolean) => NativeTun;
  /** SIOCSIFMTU and IFF_UP */
  configureLink(name: string, mtu: number): void;
  /** most packets one readable event delivers (UDP; TUN in plain mode) */
  readonly batchLimit: number;
  /** a UDP socket bound to the wildcard address and `localPort` (0 = ephemeral), with send and
   * receive buffers of `bufferBytes` (capped by the kernel); throws errno errors */
  UdpSocket: new (ipVersion: 4 | 6, localPort: number, bufferBytes: number) => NativeUdpSocket;
  /** one rtnetlink request in the namespace /run/netns/<netns> ('' = this process's): the reply
   * messages up to the ack or the end of the dump; the kernel's refusal is thrown as an errno
   * error whose message is the bare strerror() text */
  rtnetlink(netns: string, request: Buffer): Buffer;
  /** the offload mode's read side on one frame (virtio_net_hdr + packet), for tests: the
   * packets it becomes, or why it is dropped */
  segmentFrame(frame: Buffer): {
    outcome: 'packets' | 'no-room' | 'malformed' | 'unsupported';
    packets: Buffer[];
  };
  /** bench only: thread CPU ns per packet of the bare EVP calls of one transform (contexts
   * keyed once), sealing and opening a plaintext of `length` bytes `count` times */
  evpBaseline(
    cipher: string,
    digest: string,
    icvLength: number,
    length: number,
    count: number,
  ): { sealNs: number; openNs: number };
  /** bench only: thread CPU ns per packet of client's ESP engine (no JavaScript per batch, as
   * the data path runs it) sealing `outbound` and opening `inbound` as gateway seals it, each
   * batch `rounds` times */
  engineCost(
    client: NativeEsp,
    gateway: NativeEsp,
    outbound: readonly Buffer[],
    inbound: readonly Buffer[],
    rounds: number,
  ): { sealNs: number; openNs: number };
  /** signal[0] becomes non-zero while lifetime events wait for takeEvents() */
  EspEngine: new (signal: Uint32Array) => NativeEsp;
  /** onIke: an IKE message on the NAT-T port (non-ESP marker removed) and the datagrams that
   * followed it in the batch (copies); onEvents: lifetime events wait in the EspEngine */
  DataPath: new (
    esp: NativeEsp,
    natt: NativeUdpSocket,
    onIke: (packet: Buffer, rest: Buffer, restLengths: Uint32Array) => void,
    onEvents: () => void,
  ) => NativeDataPath;
  /** the offload mode's write side on one batch, for tests: the frames writeBatch writes */
  coalescePackets(packets: Buffer[]): Buffer[];
}

/** loaded addons by path: createRequire() itself costs ~20 us a call, on the connect path */
const loaded = new Map<string, TunAddon>();

export function loadTunAddon(path = tunAddonPath()): TunAddon {
  const known = loaded.get(path);
  if (known) return known;
  try {
    const addon = createRequire(import.meta.url)(path) as TunAddon;
    loaded.set(path, addon);
    return addon;
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
