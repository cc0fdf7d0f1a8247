// Length-prefixed frames over a stream socket: a 4-byte big-endian body length, then the
// UTF-8 JSON body (app/shared/helper-protocol.ts). Both ends of the helper socket use this.
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from '../shared/helper-protocol.js';

const EMPTY = Buffer.alloc(0);

export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';

  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`frame of ${length} bytes exceeds the ${limit}-byte limit`);
  }
}

/** Reassembles frames from stream chunks. An oversized length header throws
 * FrameTooLargeError before any of that body is buffered; the stream cannot be resynchronised
 * after that, so the owner closes the connection. */
export class FrameReader {
  private pending: Buffer = EMPTY;

  constructor(
    private readonly onFrame: (body: string) => void,
    private readonly maxBytes = MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = data.readUInt32BE(offset);
      if (length > this.maxBytes) throw new FrameTooLargeError(length, this.maxBytes);
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > data.length) break;
      this.onFrame(data.toString('utf8', offset + FRAME_HEADER_BYTES, end));
      offset = end;
    }
    this.pending = offset === data.length ? EMPTY : data.subarray(offset);
  }
}

/** One frame (header + body) ready to write. */
export function frame(body: string, maxBytes = MAX_FRAME_BYTES): Buffer {
  const length = Buffer.byteLength(body);
  if (length > maxBytes) throw new FrameTooLargeError(length, maxBytes);
  const bytes = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  bytes.writeUInt32BE(length, 0);
  bytes.write(body, FRAME_HEADER_BYTES, 'utf8');
  return bytes;
}
