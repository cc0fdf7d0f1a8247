// What the data plane needs from a TUN device, whatever the platform behind it.

export interface TunOptions {
  /** interface name to ask for (at most 15 bytes); '' or one with %d lets the kernel choose */
  name: string;
  /** link MTU, 68..65535 */
  mtu: number;
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
}

export interface TunDevice {
  /** the name the kernel gave the interface */
  readonly name: string;
  readonly mtu: number;
  /** Starts reading; each call of the listener carries every packet one readable event
   * brought (a bounded batch). One listener: a later call replaces the earlier one. */
  onPackets(listener: (packets: Buffer[]) => void): void;
  /** The device failed while reading (e.g. the interface was deleted); reading has stopped.
   * Without a listener the error is thrown, like an EventEmitter's 'error'. */
  onError(listener: (error: Error) => void): void;
  /** One packet, one write: false if it was not taken (closed, no room, error; see stats). */
  write(packet: Buffer): boolean;
  /** Writes each packet on its own; returns how many were taken. */
  writeBatch(packets: Buffer[]): number;
  stats(): TunStats;
  /** whether an active read keeps the process alive (it does by default) */
  ref(): void;
  unref(): void;
  /** stops reading and removes the interface; safe to call twice */
  close(): void;
}
