/** The 4-byte network-order M-ID that IVs and HASHes after phase 1 are computed over. */
export function messageIdBytes(messageId: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(messageId >>> 0);
  return bytes;
}
