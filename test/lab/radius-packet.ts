// RADIUS packets for the lab's RADIUS server (radius-server.ts): just what an authentication
// server needs to answer strongSwan's eap-radius XAuth backend. RFC 2865 3 (packet layout,
// Response Authenticator), 5.2 (User-Password hiding); RFC 3579 3.2 (Message-Authenticator).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 2865 3: the codes an authentication server sees and sends. */
export const RadiusCode = { AccessRequest: 1, AccessAccept: 2, AccessReject: 3 } as const;

/** RFC 2865 5 (User-Name 5.1, User-Password 5.2, Reply-Message 5.18), RFC 3579 3.2. */
export const RadiusAttr = {
  UserName: 1,
  UserPassword: 2,
  ReplyMessage: 18,
  MessageAuthenticator: 80,
} as const;

/** RFC 2865 3: Code, Identifier, Length, then a 16-byte Authenticator. */
const HEADER_BYTES = 20;
const AUTHENTICATOR_BYTES = 16;
/** RFC 2865 3: "The maximum length is 4096." */
const MAX_PACKET_BYTES = 4096;
/** RFC 2865 5.2: the password is hidden in 16-byte blocks, at most 128 bytes. */
const PASSWORD_BLOCK = 16;
const MAX_PASSWORD_BYTES = 128;

export interface RadiusAttribute {
  type: number;
  value: Buffer;
}

export interface RadiusPacket {
  code: number;
  identifier: number;
  authenticator: Buffer;
  attributes: RadiusAttribute[];
}

/** Parses a packet; throws naming what is wrong (RFC 2865 3: a bad length means discard). */
export function decodeRadius(bytes: Buffer): RadiusPacket {
  if (bytes.length < HEADER_BYTES) throw new Error(`RADIUS packet of ${bytes.length} bytes`);
  const length = bytes.readUInt16BE(2);
  if (length < HEADER_BYTES || length > MAX_PACKET_BYTES || length > bytes.length)
    throw new Error(`RADIUS Length ${length} in a datagram of ${bytes.length} bytes`);
  const attributes: RadiusAttribute[] = [];
  for (let at = HEADER_BYTES; at < length;) {
    const attrLength = bytes[at + 1] ?? 0;
    if (attrLength < 2 || at + attrLength > length)
      throw new Error(`RADIUS attribute at offset ${at} has length ${attrLength}`);
    attributes.push({ type: bytes[at]!, value: bytes.subarray(at + 2, at + attrLength) });
    at += attrLength;
  }
  return {
    code: bytes[0]!,
    identifier: bytes[1]!,
    authenticator: bytes.subarray(4, HEADER_BYTES),
    attributes,
  };
}

export function encodeRadius(packet: RadiusPacket): Buffer {
  const attributes = packet.attributes.map(({ type, value }) =>
    Buffer.concat([Buffer.from([type, value.length + 2]), value]),
  );
  const header = Buffer.alloc(4);
  header[0] = packet.code;
  header[1] = packet.identifier;
  header.writeUInt16BE(HEADER_BYTES + attributes.reduce((sum, a) => sum + a.length, 0), 2);
  return Buffer.concat([header, packet.authenticator, ...attributes]);
}

export function attributeValue(packet: RadiusPacket, type: number): Buffer | undefined {
  return packet.attributes.find((a) => a.type === type)?.value;
}

/** RFC 2865 5.2: c(i) = p(i) xor MD5(S + c(i-1)), c(0) = the Request Authenticator. */
function passwordMask(
  input: Buffer,
  secret: string,
  requestAuthenticator: Buffer,
  chainOn: 'input' | 'output',
): Buffer {
  const output = Buffer.alloc(input.length);
  let previous = requestAuthenticator;
  for (let at = 0; at < input.length; at += PASSWORD_BLOCK) {
    const pad = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < PASSWORD_BLOCK; i++) output[at + i] = input[at + i]! ^ pad[i]!;
    previous = (chainOn === 'input' ? input : output).subarray(at, at + PASSWORD_BLOCK);
  }
  return output;
}

/** The client's side of 5.2 (NUL-padded to a multiple of 16), for tests that play strongSwan. */
export function hideUserPassword(
  password: Buffer,
  secret: string,
  requestAuthenticator: Buffer,
): Buffer {
  if (password.length > MAX_PASSWORD_BYTES)
    throw new Error(`a User-Password holds at most ${MAX_PASSWORD_BYTES} bytes`);
  const blocks = Math.max(1, Math.ceil(password.length / PASSWORD_BLOCK));
  const padded = Buffer.alloc(blocks * PASSWORD_BLOCK);
  password.copy(padded);
  return passwordMask(padded, secret, requestAuthenticator, 'output');
}

/** The server's side of 5.2: the password, its NUL padding removed. */
export function revealUserPassword(
  hidden: Buffer,
  secret: string,
  requestAuthenticator: Buffer,
): Buffer {
  if (hidden.length === 0 || hidden.length % PASSWORD_BLOCK !== 0)
    throw new Error(`User-Password of ${hidden.length} bytes is not whole 16-byte blocks`);
  const padded = passwordMask(hidden, secret, requestAuthenticator, 'input');
  const end = padded.indexOf(0);
  return end < 0 ? padded : padded.subarray(0, end);
}

/** RFC 3579 3.2: HMAC-MD5 over the packet with the Message-Authenticator's value zeroed and,
 * in a response, the Request Authenticator in the Authenticator field. */
function messageAuthenticator(packet: RadiusPacket, secret: string): Buffer {
  const zeroed = {
    ...packet,
    attributes: packet.attributes.map((a) =>
      a.type === RadiusAttr.MessageAuthenticator
        ? { type: a.type, value: Buffer.alloc(AUTHENTICATOR_BYTES) }
        : a,
    ),
  };
  return createHmac('md5', secret).update(encodeRadius(zeroed)).digest();
}

/** Whether a request's Message-Authenticator verifies; 'absent' when it carries none. */
export function checkMessageAuthenticator(
  request: RadiusPacket,
  secret: string,
): 'valid' | 'invalid' | 'absent' {
  const sent = attributeValue(request, RadiusAttr.MessageAuthenticator);
  if (!sent) return 'absent';
  const expected = messageAuthenticator(request, secret);
  return sent.length === expected.length && timingSafeEqual(sent, expected) ? 'valid' : 'invalid';
}

/** An Access-Accept or -Reject for `request`: Message-Authenticator first (RFC 3579 3.2), then
 * the Response Authenticator of RFC 2865 3, MD5(Code+ID+Length+RequestAuth+Attributes+Secret). */
export function buildResponse(
  request: RadiusPacket,
  code: typeof RadiusCode.AccessAccept | typeof RadiusCode.AccessReject,
  secret: string,
  attributes: RadiusAttribute[] = [],
): Buffer {
  const draft: RadiusPacket = {
    code,
    identifier: request.identifier,
    authenticator: request.authenticator,
    attributes: [
      { type: RadiusAttr.MessageAuthenticator, value: Buffer.alloc(AUTHENTICATOR_BYTES) },
      ...attributes,
    ],
  };
  draft.attributes[0] = {
    type: RadiusAttr.MessageAuthenticator,
    value: messageAuthenticator(draft, secret),
  };
  const unsigned = encodeRadius(draft);
  const responseAuthenticator = createHash('md5').update(unsigned).update(secret).digest();
  responseAuthenticator.copy(unsigned, 4);
  return unsigned;
}
