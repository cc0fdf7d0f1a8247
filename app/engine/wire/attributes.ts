// RFC 2408 3.3 data attributes, shared by SA transforms and the Mode Config/XAuth Attribute
// payload. AF bit set: TV form (16-bit value in the header); clear: TLV form.
import { type Codec, DecodeError } from './codec.js';

const ATTRIBUTE_FORMAT_TV = 0x8000;

export type DataAttribute =
  | { type: number; value: number } // TV
  | { type: number; bytes: Buffer }; // TLV

export function tv(type: number, value: number): DataAttribute {
  return { type, value };
}

export function tlv(type: number, bytes: Buffer): DataAttribute {
  return { type, bytes };
}

/** A TLV value that is really a number (e.g. life duration): shortest big-endian form. */
export function tlvNumber(type: number, value: number): DataAttribute {
  if (value <= 0xffff) return tv(type, value);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return tlv(type, bytes);
}

/** The numeric value of an attribute in either form; TLV values up to 6 bytes. */
export function attributeNumber(attr: DataAttribute): number {
  if ('value' in attr) return attr.value;
  if (attr.bytes.length === 0 || attr.bytes.length > 6) {
    throw new DecodeError('bad-value', `attribute ${attr.type}: ${attr.bytes.length}-byte number`);
  }
  return attr.bytes.readUIntBE(0, attr.bytes.length);
}

export function attributeBytes(attr: DataAttribute): Buffer {
  if ('bytes' in attr) return attr.bytes;
  const b = Buffer.alloc(2);
  b.writeUInt16BE(attr.value);
  return b;
}

/** A list filling the rest of a payload. Trailing zero bytes and zero-length attributes of
 * type 0 are tolerated (gateways pad Mode Config replies); they are not returned. */
export const attributeList: Codec<DataAttribute[]> = {
  read(r) {
    const list: DataAttribute[] = [];
    while (r.remaining > 0) {
      if (r.remaining < 4) {
        if (r.rest().some((byte) => byte !== 0)) {
          throw new DecodeError('truncated', 'data attribute shorter than its 4-byte header');
        }
        break;
      }
      const header = r.u16();
      const type = header & 0x7fff;
      if (header & ATTRIBUTE_FORMAT_TV) {
        list.push({ type, value: r.u16() });
      } else {
        const bytes = r.bytes(r.u16());
        if (type !== 0) list.push({ type, bytes });
      }
    }
    return list;
  },
  write(w, list) {
    for (const attr of list) {
      if ('value' in attr) {
        w.u16(attr.type | ATTRIBUTE_FORMAT_TV);
        w.u16(attr.value);
      } else {
        w.u16(attr.type);
        w.u16(attr.bytes.length);
        w.bytes(attr.bytes);
      }
    }
  },
};

export function findAttribute(list: DataAttribute[], type: number): DataAttribute | undefined {
  return list.find((a) => a.type === type);
}
