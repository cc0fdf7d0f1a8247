// What one direction of an SA does with its keys; one implementation per transform family.

export interface EspSealer {
  /** The whole ESP packet (the UDP payload for port 4500) for one inner packet. */
  seal(inner: Buffer, nextHeader: number, sequence: number): Buffer;
}

export interface EspOpener {
  /** Whether an ESP packet of this length can be one of this transform's. */
  fitsLength(length: number): boolean;
  /**
   * The decrypted payload | padding | pad length | next header if the ICV verifies, else
   * undefined. Only for packets that fit.
   */
  open(packet: Buffer): Buffer | undefined;
}
