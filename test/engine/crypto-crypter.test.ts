import assert from 'node:assert/strict';
import { createDecipheriv, createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  CryptoError,
  IkeCrypter,
  type IkeCipher,
  ikeCipherKeyLength,
} from '../../app/engine/crypto/index.js';

const isCode = (code: string) => (error: unknown) =>
  error instanceof CryptoError && error.code === code;

function pair(cipher: IkeCipher = { name: 'aes', keyBits: 128 }) {
  const options = {
    cipher,
    key: Buffer.alloc(ikeCipherKeyLength(cipher), 0x42),
    hash: 'sha1' as const,
    initiatorPublic: Buffer.alloc(128, 1),
    responderPublic: Buffer.alloc(128, 2),
  };
  return { client: new IkeCrypter(options), gateway: new IkeCrypter(options), options };
}

/** The peer decrypts and accepts. */
function deliver(to: IkeCrypter, messageId: number, ciphertext: Buffer): Buffer {
  const received = to.decrypt(messageId, ciphertext);
  received.commit();
  return received.plaintext;
}

test('key lengths of the phase 1 ciphers; unsupported ones are refused', () => {
  assert.equal(ikeCipherKeyLength({ name: 'aes', keyBits: 128 }), 16);
  assert.equal(ikeCipherKeyLength({ name: 'aes', keyBits: 192 }), 24);
  assert.equal(ikeCipherKeyLength({ name: 'aes', keyBits: 256 }), 32);
  assert.equal(ikeCipherKeyLength({ name: '3des', keyBits: 192 }), 24);
  assert.throws(
    () => ikeCipherKeyLength({ name: 'aes', keyBits: 512 }),
    isCode('unsupported-transform'),
  );
  assert.throws(
    () => ikeCipherKeyLength({ name: '3des', keyBits: 128 }),
    isCode('unsupported-transform'),
  );
  const { options } = pair();
  assert.throws(
    () => new IkeCrypter({ ...options, key: Buffer.alloc(15) }),
    isCode('bad-key-length'),
  );
});

test('the first phase 1 IV is hash(g^xi | g^xr) cut to the block size', () => {
  for (const [cipher, algorithm, blockSize] of [
    [{ name: 'aes', keyBits: 256 }, 'aes-256-cbc', 16],
    [{ name: '3des', keyBits: 192 }, 'des-ede3-cbc', 8],
  ] as const) {
    const { client, options } = pair(cipher);
    const hash = createHash('sha1').update(
      Buffer.concat([options.initiatorPublic, options.responderPublic]),
    );
    const iv = hash.digest().subarray(0, blockSize);
    const body = Buffer.alloc(2 * blockSize, 0x5a);
    const ciphertext = client.encrypt(0, body);
    const decipher = createDecipheriv(algorithm, options.key, iv).setAutoPadding(false);
    assert.deepEqual(
      Buffer.concat([decipher.update(ciphertext), decipher.final()]),
      body,
      algorithm,
    );
  }
});

test('bodies are zero-padded to the block size; aligned bodies are not padded', () => {
  const { client, gateway } = pair({ name: '3des', keyBits: 192 });
  const cases: [number, number][] = [
    [1, 8],
    [8, 8],
    [17, 24],
    [0, 8],
  ];
  for (const [length, expected] of cases) {
    const body = Buffer.alloc(length, 0xab);
    const ciphertext = client.encrypt(0, body);
    assert.equal(ciphertext.length, expected, `${length} bytes`);
    const plaintext = deliver(gateway, 0, ciphertext);
    assert.deepEqual(plaintext, Buffer.concat([body, Buffer.alloc(expected - length)]));
  }
});

test('phase 1, transaction, Quick Mode and informational chains interleave as in a real run', () => {
  const { client, gateway } = pair({ name: 'aes', keyBits: 256 });
  const say = (from: IkeCrypter, to: IkeCrypter, messageId: number, text: string) =>
    assert.equal(
      deliver(to, messageId, from.encrypt(messageId, Buffer.from(text)))
        .toString()
        .replace(/\0+$/, ''),
      text,
    );
  say(client, gateway, 0, 'aggressive mode message 3');
  say(gateway, client, 0xe665f581, 'xauth request');
  say(client, gateway, 0xe665f581, 'xauth reply');
  say(client, gateway, 0x25eecbb9, 'quick mode 1'); // Quick Mode and ...
  say(client, gateway, 0xc82c8297, 'dpd r-u-there'); // ... DPD run at the same time
  say(gateway, client, 0x25eecbb9, 'quick mode 2');
  say(gateway, client, 0x2523ed6b, 'dpd ack');
  say(client, gateway, 0x25eecbb9, 'quick mode 3');
  say(gateway, client, 0xe665f581, 'a late message continues its own chain');
});

test('a tentative decryption does not move the chain until committed', () => {
  const { client, gateway } = pair();
  const messageId = 0x1234;
  const first = gateway.encrypt(messageId, Buffer.from('first message of the exchange'));
  // A forged message with the same ID arrives first: decrypted, HASH fails, never committed.
  const forged = client.decrypt(messageId, Buffer.alloc(32, 0x99));
  assert.notDeepEqual(forged.plaintext.subarray(0, 5), Buffer.from('first'));
  assert.equal(deliver(client, messageId, first).subarray(0, 5).toString(), 'first');
  // The chain continued from the real message, so the next one decrypts as well.
  const second = gateway.encrypt(messageId, Buffer.from('second'));
  assert.equal(deliver(client, messageId, second).subarray(0, 6).toString(), 'second');
  // Committing advances: decrypting the same ciphertext again now uses the next IV.
  const again = client.decrypt(messageId, second);
  assert.notEqual(again.plaintext.subarray(0, 6).toString(), 'second');
});

test('phase 2 chains start from the phase 1 IV at the time, not the initial one', () => {
  const { client, gateway } = pair();
  deliver(gateway, 0, client.encrypt(0, Buffer.from('message 3')));
  const { gateway: stale } = pair(); // never saw message 3
  const ciphertext = client.encrypt(7, Buffer.alloc(16, 0x55));
  assert.deepEqual(gateway.decrypt(7, ciphertext).plaintext, Buffer.alloc(16, 0x55));
  assert.notDeepEqual(stale.decrypt(7, ciphertext).plaintext, Buffer.alloc(16, 0x55));
});

test('a body that is not whole blocks is refused with a typed error', () => {
  const { client } = pair();
  for (const length of [0, 15, 17]) {
    assert.throws(() => client.decrypt(1, Buffer.alloc(length)), isCode('bad-ciphertext-length'));
  }
});

test('an exchange keeps its chain while 15 newer ones run; the 16th newer one evicts it', () => {
  const run = (newer: number) => {
    const { client, gateway } = pair();
    const dpdSender = pair().gateway; // same keys and phase 1 IV; keeps the gateway's chains few
    deliver(gateway, 1, client.encrypt(1, Buffer.from('request')));
    for (let id = 2; id < 2 + newer; id++) {
      deliver(client, id, dpdSender.encrypt(id, Buffer.from('dpd')));
    }
    const answer = gateway.encrypt(1, Buffer.from('response'));
    return client.decrypt(1, answer).plaintext.subarray(0, 8).toString();
  };
  assert.equal(run(15), 'response');
  assert.notEqual(run(16), 'response');
});
