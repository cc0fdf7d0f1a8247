// What one direction of an SA does with its keys; one implementation per transform family.
// Both work on runs of packets of one SA so that a transform can use one cipher call per run
// (see cbc-hmac.ts); a single packet is a run of one.

export interface EspSealer {
  /**
   * The whole ESP packets (UDP payloads for port 4500) for validated inner IP packets, in
   * order, with the sequence numbers firstSequence, firstSequence + 1, ...
   */
  seal(inner: readonly Buffer[], firstSequence: number): Buffer[];
}

export interface EspOpener {
  /** Whether an ESP packet of this length can be one of this transform's. */
  fitsLength(length: number): boolean;
  /**
   * RFC 4303 3.4.4.1: verifies the ICV of a packet that fits, in constant time. Returns what
   * decrypt() takes for it if it verifies, else undefined.
   */
  authenticate(packet: Buffer): Buffer | undefined;
  /** The payload | padding | pad length | next header of each authenticated packet, in order. */
  decrypt(authenticated: readonly Buffer[]): readonly Buffer[];
}
