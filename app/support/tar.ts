// A gzipped POSIX ustar archive (IEEE Std 1003.1-2001 "pax" interchange format, ustar headers
// only) of regular files held in memory: enough for a support bundle, no dependency.
import { gzipSync } from 'node:zlib';

export interface ArchiveEntry {
  /** a relative path under 100 bytes */
  name: string;
  data: Buffer;
  mtime?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: ArchiveEntry): Buffer {
  const name = Buffer.from(entry.name);
  if (name.length >= 100) throw new Error(`archive name too long: ${entry.name}`);
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0);
  block.write(octal(0o600, 8), 100);
  block.write(octal(0, 8), 108); // uid
  block.write(octal(0, 8), 116); // gid
  block.write(octal(entry.data.length, 12), 124);
  block.write(octal(Math.floor((entry.mtime ?? Date.now()) / 1000), 12), 136);
  block.write('        ', 148); // the checksum counts its own field as spaces
  block.write('0', 156); // regular file
  block.write('ustar\0', 257);
  block.write('00', 263);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

const padding = (length: number) => Buffer.alloc((BLOCK - (length % BLOCK)) % BLOCK);

export function tarGz(entries: readonly ArchiveEntry[]): Buffer {
  const parts = entries.flatMap((entry) => [header(entry), entry.data, padding(entry.data.length)]);
  // the archive ends with two zero blocks
  return gzipSync(Buffer.concat([...parts, Buffer.alloc(2 * BLOCK)]));
}
