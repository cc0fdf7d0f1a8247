// The lab RADIUS server's packets, checked against RFC 2865 and RFC 3579 formulas computed here
// independently: what strongSwan's eap-radius client would send, and what it verifies.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { answerAccessRequest } from './radius-answer.js';
import {
  RadiusAttr,
  RadiusCode,
  decodeRadius,
  encodeRadius,
  hideUserPassword,
  revealUserPassword,
} from './radius-packet.js';

const SECRET = 'lab-radius-shared-secret';
const USERS = [{ name: 'alice', password: 'alice-secret2718284711rex' }];
const md5 = (...parts: (Buffer | string)[]) =>
  parts.reduce((h, p) => h.update(p), createHash('md5')).digest();

/** An Access-Request as strongSwan builds one: User-Name, the hidden User-Password, a NAS
 * attribute, and a Message-Authenticator last (RFC 3579 3.2: HMAC-MD5 with itself zeroed). */
function accessRequest(user: string, password: string, secret = SECRET): Buffer {
  const authenticator = randomBytes(16);
  const packet = encodeRadius({
    code: RadiusCode.AccessRequest,
    identifier: 7,
    authenticator,
    attributes: [
      { type: RadiusAttr.UserName, value: Buffer.from(user) },
      {
        type: RadiusAttr.UserPassword,
        value: hideUserPassword(Buffer.from(password), secret, authenticator),
      },
      { type: 32, value: Buffer.from('strongSwan') },
      { type: RadiusAttr.MessageAuthenticator, value: Buffer.alloc(16) },
    ],
  });
  createHmac('md5', secret)
    .update(packet)
    .digest()
    .copy(packet, packet.length - 16);
  return packet;
}

test('User-Password (RFC 2865 5.2): 16-byte blocks, the first masked with MD5(secret + Request Authenticator), chained', () => {
  const authenticator = randomBytes(16);
  const password = Buffer.from('alice-secret2718284711rex'); // 25 bytes: two blocks
  const hidden = hideUserPassword(password, SECRET, authenticator);
  assert.equal(hidden.length, 32);
  const firstPad = md5(SECRET, authenticator);
  assert.deepEqual(
    hidden.subarray(0, 16),
    Buffer.from(password.subarray(0, 16).map((b, i) => b ^ firstPad[i]!)),
  );
  const secondPad = md5(SECRET, hidden.subarray(0, 16));
  assert.equal(hidden[16]! ^ secondPad[0]!, password[16]);
  assert.equal(hidden[31]! ^ secondPad[15]!, 0, 'NUL padding');
  assert.deepEqual(revealUserPassword(hidden, SECRET, authenticator), password);
  assert.throws(() => revealUserPassword(hidden.subarray(0, 20), SECRET, authenticator), /blocks/);
});

test('the right concatenation gets an Access-Accept whose authenticators verify (RFC 2865 3, RFC 3579 3.2)', () => {
  const request = accessRequest('alice', USERS[0]!.password);
  const { record, response } = answerAccessRequest(request, SECRET, USERS);
  assert.deepEqual(record, {
    userName: 'alice',
    userPassword: USERS[0]!.password,
    messageAuthenticator: 'valid',
    verdict: 'accept',
    attributeTypes: [1, 2, 32, 80],
  });
  assert.ok(response);
  const decoded = decodeRadius(response);
  assert.equal(decoded.code, RadiusCode.AccessAccept);
  assert.equal(decoded.identifier, 7);
  const requestAuthenticator = request.subarray(4, 20);
  // Response Authenticator = MD5(Code+ID+Length+RequestAuth+Attributes+Secret)
  const withRequestAuth = Buffer.from(response);
  requestAuthenticator.copy(withRequestAuth, 4);
  assert.deepEqual(response.subarray(4, 20), md5(withRequestAuth, SECRET));
  // Message-Authenticator over the response with the Request Authenticator and itself zeroed
  const at = withRequestAuth.indexOf(Buffer.from([RadiusAttr.MessageAuthenticator, 18]), 20);
  const sent = Buffer.from(withRequestAuth.subarray(at + 2, at + 18));
  withRequestAuth.fill(0, at + 2, at + 18);
  assert.deepEqual(sent, createHmac('md5', SECRET).update(withRequestAuth).digest());
});

test('a wrong answer is rejected, a bad Message-Authenticator dropped, a broken packet refused', () => {
  const wrong = answerAccessRequest(
    accessRequest('alice', 'alice-secret0000004711rex'),
    SECRET,
    USERS,
  );
  assert.equal(wrong.record.verdict, 'reject');
  assert.equal(decodeRadius(wrong.response!).code, RadiusCode.AccessReject);
  assert.equal(
    answerAccessRequest(accessRequest('mallory', USERS[0]!.password), SECRET, USERS).record.verdict,
    'reject',
  );
  const forged = accessRequest('alice', USERS[0]!.password);
  forged[forged.length - 1]! ^= 1;
  const dropped = answerAccessRequest(forged, SECRET, USERS);
  assert.equal(dropped.record.verdict, 'discarded');
  assert.equal(dropped.record.messageAuthenticator, 'invalid');
  assert.equal(dropped.response, undefined);
  assert.throws(() => decodeRadius(Buffer.alloc(19)), /19 bytes/);
  const request = accessRequest('alice', 'x');
  assert.throws(() => decodeRadius(request.subarray(0, request.length - 1)), /Length/);
  const badAttribute = Buffer.from(request);
  badAttribute[21] = 1; // User-Name's length below its own header
  assert.throws(() => decodeRadius(badAttribute), /attribute at offset 20 has length 1/);
  const accept = Buffer.from(request);
  accept[0] = RadiusCode.AccessAccept;
  assert.throws(() => answerAccessRequest(accept, SECRET, USERS), /not an Access-Request/);
});

test('a token user: each one-time code is accepted once, a replayed one and the password rejected', () => {
  const token = [{ name: 'bob', password: 'unused', oneTimeCodes: ['111111', '222222'] }];
  const spent = new Set<string>();
  const verdict = (user: string, password: string) =>
    answerAccessRequest(accessRequest(user, password), SECRET, token, spent).record.verdict;
  assert.equal(verdict('bob', '111111'), 'accept');
  assert.equal(verdict('bob', '111111'), 'reject', 'replayed');
  assert.equal(verdict('bob', 'unused'), 'reject', 'a token user has no static password');
  assert.equal(verdict('bob', '333333'), 'reject', 'not a code of the token');
  assert.equal(verdict('bob', '222222'), 'accept');
  assert.deepEqual([...spent], ['bob:111111', 'bob:222222']);
});
