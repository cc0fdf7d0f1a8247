// Generic, bounds-checked binary codec combinators. Payload layouts (payloads.ts) are declared
// with these; one decoder and one encoder walk every layout. A malformed input always ends in a
// DecodeError, never in a RangeError from Buffer.

export type DecodeErrorCode =
  'truncated' | 'bad-length' | 'bad-version' | 'bad-value' | 'unsupported-critical-payload';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class Reader {
  private offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  private need(n: number): void {
    if (this.remaining < n) {
      throw new DecodeError(
        'truncated',
        `${this.what}: needs ${n} more bytes at offset ${this.offset}, has ${this.remaining}`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const value = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const value = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return value;
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}

export class Writer {
  private chunks: Buffer[] = [];
  private length = 0;

  u8(value: number): void {
    this.push(Buffer.from([value & 0xff]));
  }

  u16(value: number): void {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(value & 0xffff);
    this.push(b);
  }

  u32(value: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(value >>> 0);
    this.push(b);
  }

  bytes(value: Buffer): void {
    this.push(value);
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** Decoded values of earlier fields of the same struct, for length-dependent fields. */
export type FieldContext = Readonly<Record<string, unknown>>;

export interface Codec<T> {
  read(r: Reader, context: FieldContext): T;
  write(w: Writer, value: T): void;
}

export type CodecValue<C> = C extends Codec<infer T> ? T : never;

export const u8: Codec<number> = { read: (r) => r.u8(), write: (w, v) => w.u8(v) };
export const u16: Codec<number> = { read: (r) => r.u16(), write: (w, v) => w.u16(v) };
export const u32: Codec<number> = { read: (r) => r.u32(), write: (w, v) => w.u32(v) };

/** All bytes left in the enclosing payload body. */
export const rest: Codec<Buffer> = { read: (r) => r.rest(), write: (w, v) => w.bytes(v) };

/** A fixed-size field that must be zero on send and is ignored on receipt (RFC 2408 "RESERVED"). */
export function reserved(size: 1 | 2 | 3): Derived {
  return { derived: true, size, compute: () => 0 };
}

/** A length or count field that is computed from the value when encoding and consulted by
 * later fields when decoding; it does not appear in the decoded value. */
export interface Derived {
  derived: true;
  size: 1 | 2 | 3 | 4;
  compute: (value: never) => number;
}

export function derived<V>(size: 1 | 2 | 4, compute: (value: V) => number): Derived {
  return { derived: true, size, compute: compute as (value: never) => number };
}

/** Bytes whose length an earlier derived field gave. */
export function bytesSizedBy(field: string): Codec<Buffer> {
  return {
    read: (r, context) => r.bytes(context[field] as number),
    write: (w, v) => w.bytes(v),
  };
}

/** count (from an earlier field) items of size (from another earlier field). */
export function listSizedBy(countField: string, sizeField: string): Codec<Buffer[]> {
  return {
    read: (r, context) => {
      const count = context[countField] as number;
      const size = context[sizeField] as number;
      if (count * size > r.remaining) {
        throw new DecodeError('bad-length', `${count} entries of ${size} bytes exceed the payload`);
      }
      return Array.from({ length: count }, () => r.bytes(size));
    },
    write: (w, v) => v.forEach((b) => w.bytes(b)),
  };
}

type Spec = Record<string, Codec<unknown> | Derived>;
export type StructValue<S extends Spec> = {
  -readonly [K in keyof S as S[K] extends Derived ? never : K]: CodecValue<S[K]>;
};

function isDerived(field: Codec<unknown> | Derived): field is Derived {
  return 'derived' in field;
}

function readSized(r: Reader, size: number): number {
  if (size === 1) return r.u8();
  if (size === 2) return r.u16();
  if (size === 3) return r.bytes(3).readUIntBE(0, 3);
  return r.u32();
}

function writeSized(w: Writer, size: number, value: number): void {
  if (size === 1) w.u8(value);
  else if (size === 2) w.u16(value);
  else if (size === 3) w.bytes(Buffer.alloc(3));
  else w.u32(value);
}

/** A sequence of named fields, read and written in declaration order. */
export function struct<S extends Spec>(spec: S): Codec<StructValue<S>> {
  const fields = Object.entries(spec);
  return {
    read(r) {
      const context: Record<string, unknown> = {};
      const value: Record<string, unknown> = {};
      for (const [name, field] of fields) {
        if (isDerived(field)) context[name] = readSized(r, field.size);
        else value[name] = context[name] = field.read(r, context);
      }
      return value as StructValue<S>;
    },
    write(w, value) {
      for (const [name, field] of fields) {
        if (isDerived(field)) writeSized(w, field.size, field.compute(value as never));
        else field.write(w, (value as Record<string, unknown>)[name]);
      }
    },
  };
}

/** Reads a whole buffer with a codec and insists that nothing is left over. */
export function decodeAll<T>(codec: Codec<T>, buf: Buffer, what: string): T {
  const r = new Reader(buf, what);
  const value = codec.read(r, {});
  if (r.remaining !== 0) {
    throw new DecodeError('bad-length', `${what}: ${r.remaining} unexpected trailing bytes`);
  }
  return value;
}

export function encode<T>(codec: Codec<T>, value: T): Buffer {
  const w = new Writer();
  codec.write(w, value);
  return w.finish();
}
