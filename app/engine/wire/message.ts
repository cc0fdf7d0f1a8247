// RFC 2408 3.1 ISAKMP header and whole messages. Encryption is the exchanges' business
// (app/engine/crypto): this module splits a datagram into header and (maybe encrypted) body.
import { DecodeError, Reader } from './codec.js';
import {
  HeaderFlag,
  ISAKMP_HEADER_LENGTH,
  ISAKMP_VERSION,
  type PayloadTypeId,
} from './constants.js';
import {
  type KnownPayloadType,
  type OutgoingPayload,
  type PayloadBody,
  type ReceivedPayload,
  encodePayloadChain,
} from './payloads.js';

export interface IsakmpHeader {
  initiatorCookie: Buffer;
  responderCookie: Buffer;
  firstPayload: number;
  exchangeType: number;
  flags: number;
  messageId: number;
}

export interface RawMessage {
  header: IsakmpHeader;
  /** payload chain, still encrypted when header.flags has the E bit */
  body: Buffer;
  /** the datagram exactly as received */
  bytes: Buffer;
}

export function decodeHeader(datagram: Buffer): RawMessage {
  const r = new Reader(datagram, 'ISAKMP header');
  const initiatorCookie = r.bytes(8);
  const responderCookie = r.bytes(8);
  const firstPayload = r.u8();
  const version = r.u8();
  const exchangeType = r.u8();
  const flags = r.u8();
  const messageId = r.u32();
  const length = r.u32();
  if (version >> 4 !== ISAKMP_VERSION >> 4) {
    throw new DecodeError('bad-version', `ISAKMP major version ${version >> 4}, expected 1`);
  }
  if (length < ISAKMP_HEADER_LENGTH || length > datagram.length) {
    throw new DecodeError(
      'bad-length',
      `ISAKMP length ${length} does not fit the ${datagram.length}-byte datagram`,
    );
  }
  return {
    header: { initiatorCookie, responderCookie, firstPayload, exchangeType, flags, messageId },
    body: datagram.subarray(ISAKMP_HEADER_LENGTH, length),
    bytes: datagram.subarray(0, length),
  };
}

export function encodeHeader(header: IsakmpHeader, bodyLength: number): Buffer {
  const b = Buffer.alloc(ISAKMP_HEADER_LENGTH);
  header.initiatorCookie.copy(b, 0);
  header.responderCookie.copy(b, 8);
  b.writeUInt8(header.firstPayload, 16);
  b.writeUInt8(ISAKMP_VERSION, 17);
  b.writeUInt8(header.exchangeType, 18);
  b.writeUInt8(header.flags, 19);
  b.writeUInt32BE(header.messageId >>> 0, 20);
  b.writeUInt32BE(ISAKMP_HEADER_LENGTH + bodyLength, 24);
  return b;
}

/** A cleartext message (aggressive mode 1 and 2). */
export function encodeMessage(
  header: Omit<IsakmpHeader, 'firstPayload'>,
  payloads: readonly OutgoingPayload[],
): Buffer {
  const chain = encodePayloadChain(payloads);
  return Buffer.concat([
    encodeHeader({ ...header, firstPayload: chain.firstPayload }, chain.bytes.length),
    chain.bytes,
  ]);
}

export function isEncrypted(header: IsakmpHeader): boolean {
  return (header.flags & HeaderFlag.Encryption) !== 0;
}

type Received<T extends KnownPayloadType> = Extract<ReceivedPayload, { type: T }>;

export function findPayload<T extends KnownPayloadType & PayloadTypeId>(
  payloads: readonly ReceivedPayload[],
  type: T,
): Received<T> | undefined {
  return payloads.find((p): p is Received<T> => p.type === type);
}

export function findPayloads<T extends KnownPayloadType & PayloadTypeId>(
  payloads: readonly ReceivedPayload[],
  type: T,
): Received<T>[] {
  return payloads.filter((p): p is Received<T> => p.type === type);
}

export function requirePayload<T extends KnownPayloadType & PayloadTypeId>(
  payloads: readonly ReceivedPayload[],
  type: T,
  context: string,
): Received<T> {
  const found = findPayload(payloads, type);
  if (!found) throw new DecodeError('bad-value', `${context}: no payload of type ${type}`);
  return found;
}

export type { PayloadBody };
