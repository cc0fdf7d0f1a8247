// PKCS#12 client certificate files (issue 15 item 2), opened by the engine's addon
// (app/engine/crypto/native/pkcs12.cc) on Node's OpenSSL: files made here by `openssl pkcs12
// -export` (OpenSSL 3's defaults: AES-256-CBC, PBKDF2, an HMAC-SHA-256 MAC; and `-legacy`,
// RC2-40), with RSA and EC keys from the lab PKI (test/lab/pki.ts). Each failure is a
// CertificateProblem naming its cause: wrong or missing passphrase, no key, no certificate, a
// cipher this OpenSSL lacks (with the re-export command, run here as given), neither PEM nor
// PKCS#12, the addon not built. Random, truncated and bit-flipped files never crash it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { KeyObject, X509Certificate, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createAuthenticator } from '../../app/engine/auth/index.js';
import {
  readClientCredentials,
  readClientKey,
} from '../../app/engine/crypto/client-credentials.js';
import {
  ENGINE_ADDON_BUILD_COMMAND,
  loadEngineAddon,
} from '../../app/engine/crypto/engine-addon.js';
import { isPkcs12, openPkcs12 } from '../../app/engine/crypto/pkcs12.js';
import { CertificateProblem, type CertificateProblemCode } from '../../app/engine/crypto/x509.js';
import { IdType } from '../../app/engine/wire/constants.js';
import { checkKeyPassphrase } from '../../app/main/service/client-key-check.js';
import { ProfileSchema, clientKeyFile } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';
import { LAB_ADDRESSES } from '../lab/addresses.js';
import { LAB_CLIENT_EMAIL, type TestPki, exportClientPkcs12, makeTestPki } from '../lab/pki.js';
import { rejection } from './support/engine-rejection.js';

const PASSPHRASE = 'p12-passphrase';

const rsa = makeTestPki();
const ec = makeTestPki(undefined, 'P-256');
after(() => [rsa, ec].forEach((pki) => pki.remove()));

/** alice's certificate and key as `name` in the PKI's directory; its path. */
const exportP12 = (pki: TestPki, name: string, extra: string[], passphrase = PASSPHRASE) =>
  exportClientPkcs12(pki, join(pki.dir, name), passphrase, extra);

/** Whether this openssl can write `-legacy` files (OpenSSL 3 with its legacy provider). */
function legacyExport(pki: TestPki): string | undefined {
  try {
    // a name the shell would split, to be quoted in the command the problem gives
    return exportP12(pki, "alice's old export.pfx", ['-legacy']);
  } catch {
    return undefined;
  }
}

const bytesOf = (file: string) => readFileSync(file);
const pass = (value: string) => Buffer.from(value);
const spki = (key: KeyObject | Buffer) =>
  (key instanceof KeyObject && key.type === 'public' ? key : createPublicKey(key)).export({
    type: 'spki',
    format: 'der',
  });

/** Runs the re-export command a problem gives, as given, each openssl run told the passphrases
 * instead of asking them; the file it wrote, which must be `name` beside the original. */
function reexport(problem: CertificateProblem, name: string): string {
  const command = /`(openssl pkcs12 [^`]+)`/.exec(problem.message)?.[1];
  assert.ok(command, problem.message);
  const told = command
    .split(' && ')
    .map((run) => `${run} -passin pass:${PASSPHRASE} -passout pass:${PASSPHRASE}`);
  execFileSync('sh', ['-c', told.join(' && ')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const written = join(rsa.dir, name);
  assert.ok(existsSync(written), `${command} wrote ${written}`);
  return written;
}

function problemOf(step: () => unknown): CertificateProblem {
  try {
    step();
  } catch (error) {
    assert.ok(error instanceof CertificateProblem, `a CertificateProblem, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a CertificateProblem');
}

function assertProblem(step: () => unknown, code: CertificateProblemCode, message: RegExp) {
  const problem = problemOf(step);
  assert.equal(problem.code, code, problem.message);
  assert.match(problem.message, message);
  assert.ok(!problem.message.includes(PASSPHRASE), 'no passphrase in the message');
  return problem;
}

describe('opening PKCS#12 files (RFC 7292) with OpenSSL', () => {
  test('modern RSA file with its CA: the key, its certificate and the chain, as node:crypto objects', () => {
    const file = exportP12(rsa, 'chain.p12', ['-certfile', rsa.lab.caCert]);
    const bytes = bytesOf(file);
    assert.equal(isPkcs12(bytes, file), true);
    const opened = openPkcs12(bytes, file, pass(PASSPHRASE));
    assert.ok(opened.certificate.raw.equals(new X509Certificate(bytesOf(rsa.clientCert)).raw));
    assert.equal(opened.key.asymmetricKeyType, 'rsa');
    assert.ok(spki(opened.key).equals(spki(bytesOf(rsa.clientKey))), 'the key of the PEM file');
    assert.deepEqual(
      opened.chain.map((c) => c.fingerprint256),
      [new X509Certificate(bytesOf(rsa.lab.caCert)).fingerprint256],
    );
  });

  test('modern EC (P-256) file: an EC key and its certificate', () => {
    const file = exportP12(ec, 'ec.p12', []);
    const opened = openPkcs12(bytesOf(file), file, pass(PASSPHRASE));
    assert.equal(opened.key.asymmetricKeyType, 'ec');
    assert.ok(spki(opened.key).equals(spki(opened.certificate.publicKey)));
    assert.deepEqual(opened.chain, []);
  });

  test('a file exported without a passphrase opens without one; one without a MAC names the re-export', () => {
    const open = exportP12(rsa, 'open.p12', [], '');
    assert.equal(openPkcs12(bytesOf(open), open).key.asymmetricKeyType, 'rsa');
    const noMac = exportP12(rsa, 'nomac.p12', ['-nomac']);
    const problem = assertProblem(
      () => openPkcs12(bytesOf(noMac), noMac, pass(PASSPHRASE)),
      'pkcs12',
      /nomac\.p12 has no integrity MAC/,
    );
    const reexported = reexport(problem, 'nomac-aes.p12');
    assert.equal(openPkcs12(bytesOf(reexported), reexported, pass(PASSPHRASE)).key.type, 'private');
  });

  test('a wrong passphrase is named as such; none at all asks for one', () => {
    const file = exportP12(rsa, 'wrong.p12', []);
    assertProblem(
      () => openPkcs12(bytesOf(file), file, pass('not-it')),
      'wrong-passphrase',
      /passphrase does not open the PKCS#12 file .*wrong\.p12 .*wrong passphrase/,
    );
    assertProblem(
      () => openPkcs12(bytesOf(file), file, pass('')),
      'wrong-passphrase',
      /wrong passphrase/,
    );
    assertProblem(
      () => openPkcs12(bytesOf(file), file),
      'passphrase-needed',
      /wrong\.p12 is protected by a passphrase and none was given/,
    );
  });

  test('a file without a key, or without a certificate for its key, says which', () => {
    const noKey = exportP12(rsa, 'nokey.p12', ['-nokeys']);
    assertProblem(
      () => openPkcs12(bytesOf(noKey), noKey, pass(PASSPHRASE)),
      'pkcs12',
      /nokey\.p12 holds no private key/,
    );
    const noCert = exportP12(rsa, 'nocert.p12', ['-nocerts']);
    assertProblem(
      () => openPkcs12(bytesOf(noCert), noCert, pass(PASSPHRASE)),
      'pkcs12',
      /nocert\.p12 holds no certificate for its private key/,
    );
  });

  const legacy = legacyExport(rsa);
  test(
    'a -legacy (RC2-40) file: the legacy provider named, and the re-export command it gives works (quoted for the shell)',
    { skip: legacy ? false : 'this openssl cannot write -legacy PKCS#12 files' },
    () => {
      const file = legacy ?? '';
      const problem = assertProblem(
        () => openPkcs12(bytesOf(file), file, pass(PASSPHRASE)),
        'pkcs12',
        /algorithm this OpenSSL cannot decrypt .*legacy provider/,
      );
      assert.match(problem.message, /`openssl pkcs12 -legacy -in /);
      const reexported = reexport(problem, "alice's old export-aes.p12");
      const opened = openPkcs12(bytesOf(reexported), reexported, pass(PASSPHRASE));
      assert.ok(spki(opened.key).equals(spki(bytesOf(rsa.clientKey))));
    },
  );

  test('a missing addon build names the command that builds it', () => {
    assertProblem(
      () => loadEngineAddon('no_such_addon', 'this test needs', 'pkcs12-unavailable'),
      'pkcs12-unavailable',
      new RegExp(
        `this test needs Roadwarrior's no_such_addon addon, which cannot be loaded .*${ENGINE_ADDON_BUILD_COMMAND}`,
      ),
    );
  });
});

describe('client credentials by content (PEM or PKCS#12, whatever the file is called)', () => {
  const named = (file: string) => ({ file, bytes: bytesOf(file) });

  test('a PKCS#12 certificate file carries the key; a privateKeyFile, when set, gives it', () => {
    // no .p12 extension: recognised by content
    const file = exportP12(rsa, 'alice.crt', ['-certfile', rsa.lab.caCert]);
    const both = readClientCredentials(named(file), undefined, pass(PASSPHRASE));
    assert.ok(spki(both.key).equals(spki(both.certificate.publicKey)));
    assert.equal(both.chain.length, 1);
    const other = readClientCredentials(named(file), named(ec.clientKey), pass(PASSPHRASE));
    assert.equal(other.key.asymmetricKeyType, 'ec', 'the key of privateKeyFile');
  });

  test('PEM: a certificate without its key and no privateKeyFile says to set it; one file with both reads', () => {
    assertProblem(
      () => readClientCredentials(named(rsa.clientCert), undefined),
      'unreadable',
      /client\.pem holds a certificate without its private key: set privateKeyFile, or use a PKCS#12 file/,
    );
    const combined = join(rsa.dir, 'combined.pem');
    writeFileSync(combined, Buffer.concat([bytesOf(rsa.clientCert), bytesOf(rsa.clientKey)]));
    const read = readClientCredentials(named(combined), undefined);
    assert.ok(spki(read.key).equals(spki(read.certificate.publicKey)));
  });

  test('neither PEM nor PKCS#12 is named so, as a certificate and as a key', () => {
    const der = join(rsa.dir, 'alice.der');
    writeFileSync(der, new X509Certificate(bytesOf(rsa.clientCert)).raw);
    assertProblem(
      () => readClientCredentials(named(der), undefined),
      'unreadable',
      /alice\.der is neither PEM nor PKCS#12/,
    );
    assertProblem(() => readClientKey(named(der)), 'unreadable', /neither PEM nor PKCS#12/);
  });

  test("the desktop's and CLI's passphrase check: opens, wrong, or unknown for another cause", async () => {
    const file = exportP12(rsa, 'check.p12', []);
    assert.equal(await checkKeyPassphrase(file, Secret.fromString(PASSPHRASE)), 'opens');
    assert.equal(await checkKeyPassphrase(file, Secret.fromString('not-it')), 'wrong');
    const noKey = exportP12(rsa, 'check-nokey.p12', ['-nokeys']);
    assert.equal(await checkKeyPassphrase(noKey, Secret.fromString(PASSPHRASE)), 'unknown');
    assert.equal(
      await checkKeyPassphrase(rsa.clientKeyEncrypted, Secret.fromString('not-it')),
      'wrong',
    );
  });

  test('the key passphrase is asked for the certificate file when there is no privateKeyFile', () => {
    const base = { name: 'p12', gateway: LAB_ADDRESSES.gateway, group: 'g' };
    const p12 = ProfileSchema.parse({
      ...base,
      authMethod: 'xauth-rsa',
      certificateFile: '/etc/alice.p12',
    });
    assert.equal(clientKeyFile(p12), '/etc/alice.p12');
    assert.equal(clientKeyFile({ ...p12, privateKeyFile: '/etc/alice.key' }), '/etc/alice.key');
    assert.equal(clientKeyFile({ ...p12, authMethod: 'hybrid' }), undefined, 'no client key');
    assert.equal(clientKeyFile({ ...p12, authMethod: 'hybrid', privateKeyFile: '/k' }), '/k');
  });
});

describe('the signature authenticator with a PKCS#12 certificate file', () => {
  const authenticator = (
    pki: TestPki,
    certificateFile: string,
    authMethod: 'xauth-rsa' | 'certificate',
    answer: () => string,
  ) =>
    createAuthenticator({
      profile: ProfileSchema.parse({
        name: 'p12',
        gateway: LAB_ADDRESSES.gateway,
        group: 'labgroup',
        exchange: 'main',
        authMethod,
        caFile: pki.lab.caCert,
        certificateFile,
      }),
      groupPsk: undefined,
      keyPassphrase: () => Promise.resolve(Secret.fromString(answer())),
    });

  test('RSA (xauth-rsa) and EC (certificate, ECDSA): asked the passphrase once, identity from the certificate', async () => {
    let asked = 0;
    const answer = () => {
      asked++;
      return PASSPHRASE;
    };
    const withRsa = await authenticator(rsa, exportP12(rsa, 'auth.p12', []), 'xauth-rsa', answer);
    assert.equal(asked, 1);
    assert.equal(withRsa.label, 'XAUTH-RSA');
    assert.deepEqual(withRsa.identity, {
      idType: IdType.UserFqdn,
      data: Buffer.from(LAB_CLIENT_EMAIL),
    });
    const withEc = await authenticator(ec, exportP12(ec, 'auth.p12', []), 'certificate', answer);
    assert.equal(asked, 2);
    assert.match(withEc.label, /ECDSA-256/);
  });

  test('a wrong passphrase is a certificate-unusable error naming it, never the passphrase', async () => {
    const file = exportP12(rsa, 'auth-wrong.p12', []);
    const wrong = await rejection(authenticator(rsa, file, 'xauth-rsa', () => 'not-it'));
    assert.equal(wrong.code, 'certificate-unusable');
    assert.match(wrong.message, /passphrase does not open the PKCS#12 file .*auth-wrong\.p12/);
    assert.ok(!wrong.message.includes('not-it'));
  });
});

describe('no crash on any input', () => {
  // xorshift32: reproducible test data (not for keys), the seed in each failure's message
  function bytesFrom(seed: number) {
    let state = seed || 1;
    return (length: number) =>
      Buffer.from(
        Array.from({ length }, () => {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          return state & 0xff;
        }),
      );
  }

  /** Opening `bytes` either works or fails with a CertificateProblem, whatever they are. */
  function opensOrNamesWhy(bytes: Buffer, what: string, passphrase = PASSPHRASE) {
    try {
      if (isPkcs12(bytes, what)) openPkcs12(bytes, what, pass(passphrase));
      readClientKey({ file: what, bytes }, pass(passphrase));
    } catch (error) {
      assert.ok(error instanceof CertificateProblem, `${what}: ${String(error)}`);
    }
  }

  const valid = bytesOf(exportP12(rsa, 'fuzz.p12', ['-certfile', rsa.lab.caCert]));
  // no MAC and no passphrase: a changed byte reaches decryption and the bags, not only the MAC
  const unchecked = bytesOf(exportP12(rsa, 'fuzz-nomac.p12', ['-nomac'], ''));

  test('random bytes, empty, and random bytes behind a valid file header', () => {
    const random = bytesFrom(0x5eed);
    opensOrNamesWhy(Buffer.alloc(0), 'empty');
    for (let i = 0; i < 300; i++) {
      opensOrNamesWhy(random(1 + (i % 64) * 40), `random #${i}`);
      opensOrNamesWhy(Buffer.concat([valid.subarray(0, 4 + i), random(i)]), `header+random #${i}`);
    }
  });

  test('every truncation of a valid file', () => {
    for (let length = 0; length < valid.length; length++)
      opensOrNamesWhy(valid.subarray(0, length), `the first ${length} bytes`);
  });

  test('single-bit changes all through a valid file, with and without its MAC', () => {
    const random = bytesFrom(0xf11b);
    for (const [original, passphrase] of [
      [valid, PASSPHRASE],
      [unchecked, ''],
    ] as const)
      for (let i = 0; i < 400; i++) {
        const changed = Buffer.from(original);
        const [at = 0, value = 0] = random(2);
        const offset = ((at << 8) | value) % changed.length;
        changed.writeUInt8(changed.readUInt8(offset) ^ (1 << (i % 8)), offset);
        opensOrNamesWhy(changed, `bit ${i % 8} of byte ${offset} flipped`, passphrase);
      }
  });
});
