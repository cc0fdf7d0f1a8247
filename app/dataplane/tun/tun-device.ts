// What the data plane needs from a TUN device, whatever the platform behind it.

export interface TunOptions {
  /** interface name to ask for (at most 15 bytes); '' or one with %d lets the kernel choose */
  name: string;
  /** link MTU, 68..65535 */
  mtu: number;
  /** TSO and checksum offload through the device (default true); the kernel may refuse it,
   * see TunDevice.offload */
  offload?: boolean;
}

export interface TunStats {
  packetsIn: number;
  bytesIn: number;
  /** readable events that delivered packets: packetsIn / readBatches = packets per callback */
  readBatches: number;
  readErrors: number;
  packetsOut: number;
  bytesOut: number;
  /** packets the kernel had no room for (EAGAIN): dropped, not retried */
  writeAgain: number;
  writeErrors: number;
  /** offload mode: TCP super-packets read, each cut into packets counted in packetsIn */
  superPacketsIn: number;
  /** offload mode: reads dropped as malformed, of a kind not asked for, or too big to cut */
  framesDropped: number;
  /** offload mode: writes that merged a run of TCP segments (counted in packetsOut) */
  superPacketsOut: number;
}

export interface TunDevice {
  /** the name the kernel gave the interface */
  readonly name: string;
  readonly mtu: number;
  /** whether the device runs in offload mode: the kernel's TCP hands over and takes
   * super-packets, which the device cuts and merges so that packets stay ordinary IP packets */
  readonly offload: boolean;
  /** Starts reading; each call of the listener carries every packet one readable event
   * brought (a bounded batch). One listener: a later call replaces the earlier one. */
  onPackets(listener: (packets: Buffer[]) => void): void;
  /** The device failed while reading (e.g. the interface was deleted); reading has stopped.
   * Without a listener the error is thrown, like an EventEmitter's 'error'. */
  onError(listener: (error: Error) => void): void;
  /** One packet, one write: false if it was not taken (closed, no room, error; see stats). */
  write(packet: Buffer): boolean;
  /** Like onPackets, without a Buffer per packet: the batch as read, valid during the call. */
  onPacketSlab(listener: (batch: PacketSlab) => void): void;
  /** Writes the packets in order (in offload mode a run of TCP segments of one flow may go
   * as one merged write); returns how many were taken. */
  writeBatch(packets: Buffer[] | PacketSlab): number;
  /** Starts reading into the addon's data path instead of a listener, with no JavaScript per
   * batch: what is read is sealed and sent, and what the path opens is written here. */
  feed(path: DataPathPort): void;
  stats(): TunStats;
  /** whether an active read keeps the process alive (it does by default) */
  ref(): void;
  unref(): void;
  /** stops reading and removes the interface; safe to call twice */
  close(): void;
}
/** The addon's data path (NativeDataPath in native-addon.ts) as a device sees it: it hands
 * over its own addon handle. */
export interface DataPathPort {
  setTun(handle: object | null): void;
}

/** A batch as the addon's readers deliver it: packets back to back in slab, their lengths in
 * lengths[0..count). Every batch argument of the addon takes one in place of a Buffer[]. */
export interface PacketSlab {
  slab: Buffer;
  lengths: Uint32Array;
  count: number;
}
