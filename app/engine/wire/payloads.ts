// Payload layouts (RFC 2408 3.4-3.16, RFC 3947 3.2, draft-dukes-ike-mode-cfg 3.2), declared once
// as data. The generic payload chain walks these tables for every message.
import { attributeList } from './attributes.js';
import {
  type Codec,
  type CodecValue,
  DecodeError,
  Reader,
  Writer,
  bytesSizedBy,
  derived,
  listSizedBy,
  reserved,
  rest,
  struct,
  u16,
  u32,
  u8,
} from './codec.js';
import { GENERIC_PAYLOAD_HEADER_LENGTH, PayloadType } from './constants.js';

/** Generic payload chain: each element has next-payload, reserved/critical, length (3.2). */
function chainOf<T>(elementType: number, body: Codec<T>, what: string): Codec<T[]> {
  return {
    read(r) {
      const items: T[] = [];
      let next: number = elementType;
      while (next !== PayloadType.None) {
        if (next !== elementType) {
          throw new DecodeError('bad-value', `${what}: unexpected payload type ${next} in chain`);
        }
        next = r.u8();
        r.u8();
        const length = r.u16();
        if (length < GENERIC_PAYLOAD_HEADER_LENGTH) {
          throw new DecodeError('bad-length', `${what}: payload length ${length} < 4`);
        }
        const inner = new Reader(r.bytes(length - GENERIC_PAYLOAD_HEADER_LENGTH), what);
        items.push(body.read(inner, {}));
        if (inner.remaining !== 0) {
          throw new DecodeError('bad-length', `${what}: ${inner.remaining} bytes left in payload`);
        }
      }
      return items;
    },
    write(w, items) {
      items.forEach((item, index) => {
        const encoded = new Writer();
        body.write(encoded, item);
        const bytes = encoded.finish();
        w.u8(index === items.length - 1 ? PayloadType.None : elementType);
        w.u8(0);
        w.u16(bytes.length + GENERIC_PAYLOAD_HEADER_LENGTH);
        w.bytes(bytes);
      });
    },
  };
}

/** RFC 2408 3.6 Transform payload. */
const transform = struct({
  number: u8,
  transformId: u8,
  reserved: reserved(2),
  attributes: attributeList,
});

/** RFC 2408 3.5 Proposal payload; its transforms follow as a payload chain. */
const proposal = struct({
  number: u8,
  protocolId: u8,
  spiSize: derived(1, (p: { spi: Buffer }) => p.spi.length),
  transformCount: derived(1, (p: { transforms: unknown[] }) => p.transforms.length),
  spi: bytesSizedBy('spiSize'),
  transforms: chainOf(PayloadType.Transform, transform, 'transform'),
});

const opaque = struct({ data: rest });

/** Every payload body we understand, keyed by payload type. */
export const payloadLayouts = {
  /** RFC 2408 3.4 */
  [PayloadType.SA]: struct({
    doi: u32,
    situation: u32,
    proposals: chainOf(PayloadType.Proposal, proposal, 'proposal'),
  }),
  /** RFC 2408 3.7 */
  [PayloadType.KeyExchange]: opaque,
  /** RFC 2408 3.8, RFC 2407 4.6.2 */
  [PayloadType.Identification]: struct({
    idType: u8,
    protocolId: u8,
    port: u16,
    data: rest,
  }),
  /** RFC 2408 3.9 */
  [PayloadType.Certificate]: struct({ encoding: u8, data: rest }),
  /** RFC 2408 3.10 */
  [PayloadType.CertificateRequest]: struct({ encoding: u8, data: rest }),
  /** RFC 2408 3.11 */
  [PayloadType.Hash]: opaque,
  /** RFC 2408 3.12 */
  [PayloadType.Signature]: opaque,
  /** RFC 2408 3.13 */
  [PayloadType.Nonce]: opaque,
  /** RFC 2408 3.14 */
  [PayloadType.Notification]: struct({
    doi: u32,
    protocolId: u8,
    spiSize: derived(1, (n: { spi: Buffer }) => n.spi.length),
    notifyType: u16,
    spi: bytesSizedBy('spiSize'),
    data: rest,
  }),
  /** RFC 2408 3.15 */
  [PayloadType.Delete]: struct({
    doi: u32,
    protocolId: u8,
    spiSize: derived(1, (d: { spis: Buffer[] }) => d.spis[0]?.length ?? 0),
    spiCount: derived(2, (d: { spis: Buffer[] }) => d.spis.length),
    spis: listSizedBy('spiCount', 'spiSize'),
  }),
  /** RFC 2408 3.16 */
  [PayloadType.VendorId]: opaque,
  /** draft-dukes-ike-mode-cfg 3.2 */
  [PayloadType.Attribute]: struct({
    cfgType: u8,
    reserved: reserved(1),
    identifier: u16,
    attributes: attributeList,
  }),
  /** RFC 3947 3.2 */
  [PayloadType.NatD]: opaque,
  [PayloadType.NatDDraft]: opaque,
  /** RFC 3947 5.2 */
  [PayloadType.NatOA]: struct({ idType: u8, reserved: reserved(3), data: rest }),
  [PayloadType.NatOADraft]: struct({ idType: u8, reserved: reserved(3), data: rest }),
  /** Cisco IKEv1 fragmentation (no RFC): one piece of a whole encoded message, numbered from 1 */
  [PayloadType.Fragment]: struct({ fragmentId: u16, number: u8, flags: u8, data: rest }),
} as const;

type Layouts = typeof payloadLayouts;
export type KnownPayloadType = keyof Layouts;
export type PayloadBody<T extends KnownPayloadType> = CodecValue<Layouts[T]>;

export type SaBody = PayloadBody<typeof PayloadType.SA>;
export type ProposalBody = SaBody['proposals'][number];
export type TransformBody = ProposalBody['transforms'][number];
export type IdBody = PayloadBody<typeof PayloadType.Identification>;
export type NotificationBody = PayloadBody<typeof PayloadType.Notification>;
export type DeleteBody = PayloadBody<typeof PayloadType.Delete>;
export type AttributeBody = PayloadBody<typeof PayloadType.Attribute>;
export type FragmentBody = PayloadBody<typeof PayloadType.Fragment>;

/** A payload to send: type and body. */
export type OutgoingPayload = {
  [T in KnownPayloadType]: { type: T; body: PayloadBody<T> };
}[KnownPayloadType];

/** A received payload: type, decoded body, and its exact bytes (for HASH computations). */
export type ReceivedPayload = {
  [T in KnownPayloadType]: {
    type: T;
    body: PayloadBody<T>;
    /** the body without the generic header (e.g. IDir_b, SAi_b in RFC 2409 5) */
    bodyBytes: Buffer;
    /** the whole payload including its generic header */
    bytes: Buffer;
  };
}[KnownPayloadType];

export function isKnownPayloadType(type: number): type is KnownPayloadType {
  return Object.hasOwn(payloadLayouts, type);
}

export function encodePayloadBody<T extends KnownPayloadType>(
  type: T,
  body: PayloadBody<T>,
): Buffer {
  const w = new Writer();
  (payloadLayouts[type] as Codec<PayloadBody<T>>).write(w, body);
  return w.finish();
}

/** Encodes a payload chain; returns the first payload type and the bytes. */
export function encodePayloadChain(payloads: readonly OutgoingPayload[]): {
  firstPayload: number;
  bytes: Buffer;
} {
  const w = new Writer();
  payloads.forEach((payload, index) => {
    const body = encodePayloadBody(payload.type, payload.body);
    w.u8(payloads[index + 1]?.type ?? PayloadType.None);
    w.u8(0);
    w.u16(body.length + GENERIC_PAYLOAD_HEADER_LENGTH);
    w.bytes(body);
  });
  return { firstPayload: payloads[0]?.type ?? PayloadType.None, bytes: w.finish() };
}

export interface DecodedChain {
  payloads: ReceivedPayload[];
  /** types of non-critical payloads we do not understand (skipped, RFC 2408 3.2) */
  skipped: number[];
  /** bytes after the last payload: padding of an encrypted message */
  trailing: number;
}

const CRITICAL = 0x80;

/** Decodes the payload chain of a message body (after the header, after decryption). */
export function decodePayloadChain(firstPayload: number, body: Buffer): DecodedChain {
  const r = new Reader(body, 'payload chain');
  const payloads: ReceivedPayload[] = [];
  const skipped: number[] = [];
  let next = firstPayload;
  while (next !== PayloadType.None) {
    const start = r.position;
    const type = next;
    next = r.u8();
    const flags = r.u8();
    const length = r.u16();
    if (length < GENERIC_PAYLOAD_HEADER_LENGTH) {
      throw new DecodeError('bad-length', `payload ${type}: length ${length} < 4`);
    }
    const bodyBytes = r.bytes(length - GENERIC_PAYLOAD_HEADER_LENGTH);
    if (!isKnownPayloadType(type)) {
      if (flags & CRITICAL) {
        throw new DecodeError('unsupported-critical-payload', `critical payload type ${type}`);
      }
      skipped.push(type);
      continue;
    }
    const inner = new Reader(bodyBytes, `payload ${type}`);
    const decoded = (payloadLayouts[type] as Codec<unknown>).read(inner, {});
    if (inner.remaining !== 0) {
      throw new DecodeError('bad-length', `payload ${type}: ${inner.remaining} bytes left over`);
    }
    payloads.push({
      type,
      body: decoded,
      bodyBytes,
      bytes: body.subarray(start, r.position),
    } as ReceivedPayload);
  }
  return { payloads, skipped, trailing: r.remaining };
}
