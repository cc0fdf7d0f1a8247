// Certificate authentication in memory (issue 15 item 2): the CERT, CR and SIG payloads round
// trip through the one payload table; the authenticators build our proof (CERT + SIG_I with
// xauth-rsa, HASH_I with hybrid) and check the gateway's (chain to the profile's CA, validity,
// identity, SIG_R), each failure an engine error with its own code; PEM keys with and without
// a passphrase; a file neither PEM nor PKCS#12 named (PKCS#12 itself: pkcs12.test.ts); the
// profile's CRL file: a listed certificate refused, an out-of-date or foreign CRL a warning. The
// PKI comes from test/lab/pki.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  randomInt,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createAuthenticator } from '../../app/engine/auth/index.js';
import { readCrls, revocationOf } from '../../app/engine/crypto/crl.js';
import { loadEngineAddon } from '../../app/engine/crypto/engine-addon.js';
import { keyUsageOf, subjectNameDer } from '../../app/engine/crypto/x509-name.js';
import { hashSignatureVerifies, signHash } from '../../app/engine/crypto/signature.js';
import {
  CertificateProblem,
  intermediatesOf,
  readCertificates,
  verifyChain,
} from '../../app/engine/crypto/x509.js';
import { AuthMethod, CertEncoding, IdType, PayloadType } from '../../app/engine/wire/constants.js';
import {
  type OutgoingPayload,
  decodePayloadChain,
  encodePayloadChain,
} from '../../app/engine/wire/payloads.js';
import { type Profile, ProfileSchema } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';
import { LAB_ADDRESSES } from '../lab/addresses.js';
import {
  type CrlOptions,
  LAB_CLIENT_EMAIL,
  LAB_GATEWAY_NAME,
  issue,
  makeCa,
  makeCrl,
  makeTestPki,
} from '../lab/pki.js';
import { rejection } from './support/engine-rejection.js';

const pki = makeTestPki();
after(() => pki.remove());

const certOf = (file: string) => new X509Certificate(readFileSync(file));
const keyOf = (file: string) => createPrivateKey(readFileSync(file));
const received = (payloads: OutgoingPayload[]) => {
  const chain = encodePayloadChain(payloads);
  return decodePayloadChain(chain.firstPayload, chain.bytes).payloads;
};
const gatewayId = { idType: IdType.Ipv4Addr, data: Buffer.from([198, 51, 100, 1]) };

/** What a gateway with this certificate and key sends in main mode's message 6 (or aggressive
 * mode's message 2): CERT and HASH_R signed. */
function gatewayProof(certFile: string, keyFile: string, hashR: Buffer) {
  return received([
    {
      type: PayloadType.Certificate,
      body: { encoding: CertEncoding.X509Signature, data: certOf(certFile).raw },
    },
    { type: PayloadType.Signature, body: { data: signHash(keyOf(keyFile), hashR) } },
  ]);
}

function profile(fields: Partial<Profile>): Profile {
  return ProfileSchema.parse({
    name: 'certs',
    gateway: LAB_ADDRESSES.gateway,
    group: 'labgroup',
    exchange: 'main',
    caFile: pki.lab.caCert,
    ...fields,
  });
}

const xauthRsa = (fields: Partial<Profile> = {}, now?: () => Date) =>
  createAuthenticator({
    profile: profile({
      authMethod: 'xauth-rsa',
      certificateFile: pki.clientCert,
      privateKeyFile: pki.clientKey,
      ...fields,
    }),
    groupPsk: undefined,
    keyPassphrase: undefined,
    ...(now ? { now } : {}),
  });

describe('CERT, CR and SIG payloads (RFC 2408 3.9, 3.10, 3.12)', () => {
  test('round trip through the payload table', () => {
    const cert = certOf(pki.lab.gatewayCert).raw;
    const signature = randomBytes(256);
    const [c, cr, sig] = received([
      { type: PayloadType.Certificate, body: { encoding: CertEncoding.X509Signature, data: cert } },
      { type: PayloadType.CertificateRequest, body: { encoding: 4, data: Buffer.alloc(0) } },
      { type: PayloadType.Signature, body: { data: signature } },
    ]);
    assert.equal(c?.type, PayloadType.Certificate);
    assert.deepEqual(c?.body, { encoding: 4, data: cert });
    assert.deepEqual(cr?.body, { encoding: 4, data: Buffer.alloc(0) });
    assert.deepEqual(sig?.body, { data: signature });
  });
});

describe('RSA signatures of HASH_I / HASH_R (RFC 2409 5.1)', () => {
  test('a signature verifies with the certificate key, not with another hash or key', () => {
    const hash = randomBytes(32);
    const signature = signHash(keyOf(pki.clientKey), hash);
    const good = certOf(pki.clientCert).publicKey;
    assert.equal(hashSignatureVerifies(good, hash, signature), true);
    assert.equal(hashSignatureVerifies(good, randomBytes(32), signature), false);
    assert.equal(
      hashSignatureVerifies(createPublicKey(keyOf(pki.lab.gatewayKey)), hash, signature),
      false,
    );
  });
});

describe("a CA's name for our certificate requests (native/x509_name.cc)", () => {
  test('the subject of each CA of a CA file; one CR each', async () => {
    const both = join(pki.dir, 'two-cas.pem');
    writeFileSync(
      both,
      readFileSync(pki.lab.caCert, 'latin1') + readFileSync(pki.rogue.caCert, 'latin1'),
    );
    const auth = await xauthRsa({ caFile: both });
    const names = received(auth.certificateRequests).map((p) =>
      p.type === PayloadType.CertificateRequest ? p.body.data : Buffer.alloc(0),
    );
    assert.equal(names.length, 2);
    assert.deepEqual(names[0], subjectNameDer(certOf(pki.lab.caCert)));
    assert.deepEqual(names[1], subjectNameDer(certOf(pki.rogue.caCert)));
    assert.ok(certOf(pki.rogue.gatewayCert).raw.includes(names[1] as Buffer));
  });

  test('a CA file of more than 8 CAs (a system bundle): one CR without a CA', async () => {
    const many = join(pki.dir, 'nine-cas.pem');
    writeFileSync(many, readFileSync(pki.lab.caCert, 'latin1').repeat(9));
    const requests = received((await xauthRsa({ caFile: many })).certificateRequests);
    assert.deepEqual(
      requests.map((p) => (p.type === PayloadType.CertificateRequest ? p.body.data : undefined)),
      [Buffer.alloc(0)],
    );
  });

  test('bytes that are not exactly one DER certificate: null, never a crash', () => {
    const addon = loadEngineAddon<{
      subjectDer(der: Buffer): Buffer | null;
      keyUsage(der: Buffer): number | null;
    }>('x509_name', 'this test needs', 'x509-name-unavailable');
    const der = certOf(pki.lab.caCert).raw;
    assert.ok(addon.subjectDer(der));
    assert.equal(typeof addon.keyUsage(der), 'number');
    for (const bad of [
      Buffer.alloc(0),
      randomBytes(64),
      der.subarray(0, der.length - 1),
      Buffer.concat([der, Buffer.from([0])]),
    ]) {
      assert.equal(addon.subjectDer(bad), null);
      assert.equal(addon.keyUsage(bad), null);
    }
    // OpenSSL reads a subject whose SEQUENCE tag lost its constructed bit, and would give
    // those bytes back: no DER Name, so none (the subject is the CA's name's second copy,
    // after the issuer)
    const primitiveTag = Buffer.from(der);
    primitiveTag[der.lastIndexOf(addon.subjectDer(der)!)] = 0x10;
    assert.equal(addon.subjectDer(primitiveTag), null);
    for (let i = 0; i < 200; i++) {
      const flipped = Buffer.from(der);
      const at = randomInt(flipped.length);
      flipped.writeUInt8(flipped.readUInt8(at) ^ (1 << randomInt(8)), at);
      const name = addon.subjectDer(flipped);
      assert.ok(name === null || name[0] === 0x30);
      const usage = addon.keyUsage(flipped);
      assert.ok(usage === null || Number.isInteger(usage));
    }
  });
});

describe('the gateway certificate chain', () => {
  const cas = readCertificates(readFileSync(pki.lab.caCert), pki.lab.caCert, 'CA file');
  const problem = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      assert.ok(error instanceof CertificateProblem);
      return error;
    }
    assert.fail('expected a certificate problem');
  };

  test('the lab gateway chains to the lab CA; the other CA’s gateway does not', () => {
    const now = new Date();
    assert.equal(
      verifyChain([certOf(pki.lab.gatewayCert)], cas, now, {
        keyUsage: keyUsageOf,
      }).subject.includes('gw.'),
      true,
    );
    const rogue = problem(() =>
      verifyChain([certOf(pki.rogue.gatewayCert)], cas, now, { keyUsage: keyUsageOf }),
    );
    assert.equal(rogue.code, 'untrusted');
    assert.match(rogue.message, /Other CA/);
  });

  test('outside the validity period: expired, or not yet valid', () => {
    const cert = certOf(pki.lab.gatewayCert);
    const later = new Date(Date.now() + 10 * 86400_000);
    assert.equal(
      problem(() => verifyChain([cert], cas, later, { keyUsage: keyUsageOf })).code,
      'expired',
    );
    const earlier = new Date(Date.now() - 10 * 86400_000);
    assert.equal(
      problem(() => verifyChain([cert], cas, earlier, { keyUsage: keyUsageOf })).code,
      'not-yet-valid',
    );
  });

  /** `csr` (a request the test PKI made) signed again by `ca` (`ca`.pem, its key `caKey`) with
   * other extensions: `name`.pem in the PKI's directory, valid from the second it is made (so
   * verified with the time after). */
  function reissue(
    csr: string,
    name: string,
    extensions: string,
    ca = 'ca',
    caKey = `${ca}.key`,
  ): X509Certificate {
    writeFileSync(join(pki.dir, `${name}.ext`), extensions);
    execFileSync(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        `${ca}.pem`,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      ],
      { cwd: pki.dir, stdio: 'ignore' },
    );
    return certOf(join(pki.dir, `${name}.pem`));
  }
  const gatewaySan = `subjectAltName=DNS:${LAB_GATEWAY_NAME}\n`;

  test('a client certificate (no serverAuth) is refused by its usage', () => {
    // the lab's client certificate has no EKU: accepted by usage, refused by name below; one
    // with clientAuth only is not for an IKE server
    const cert = reissue('client.csr', 'clientonly', 'extendedKeyUsage=clientAuth\n');
    assert.equal(
      problem(() => verifyChain([cert], cas, new Date(), { keyUsage: keyUsageOf })).code,
      'wrong-usage',
    );
  });

  test('keyUsageOf reads the bits OpenSSL parses, undefined without the extension', () => {
    assert.deepEqual(keyUsageOf(certOf(pki.lab.gatewayCert)), {
      digitalSignature: true,
      nonRepudiation: false,
      cRLSign: false,
    });
    assert.deepEqual(keyUsageOf(reissue('gateway.csr', 'gw-nonrep', 'keyUsage=nonRepudiation\n')), {
      digitalSignature: false,
      nonRepudiation: true,
      cRLSign: false,
    });
    assert.equal(keyUsageOf(reissue('gateway.csr', 'gw-no-ku', gatewaySan)), undefined);
    assert.equal(keyUsageOf(certOf(pki.lab.caCert))?.cRLSign, true, 'the lab CA signs CRLs');
  });

  // RFC 4945 5.1.3.2: a key usage without digitalSignature and nonRepudiation may not sign
  test('a gateway certificate whose key usage forbids signing is refused; one that allows it, or has none, is not', () => {
    const encipherOnly = reissue(
      'gateway.csr',
      'gw-keyenc',
      `${gatewaySan}keyUsage=critical,keyEncipherment\n`,
    );
    const refused = problem(() =>
      verifyChain([encipherOnly], cas, new Date(), { keyUsage: keyUsageOf }),
    );
    assert.equal(refused.code, 'wrong-usage');
    assert.match(refused.message, /may not sign: .*neither digitalSignature nor nonRepudiation/);
    for (const [name, extensions] of [
      ['gw-nonrep-only', `${gatewaySan}keyUsage=critical,nonRepudiation\n`],
      ['gw-no-usage', gatewaySan],
    ] as const) {
      const accepted = reissue('gateway.csr', name, extensions);
      assert.equal(
        verifyChain([accepted], cas, new Date(), { keyUsage: keyUsageOf }),
        accepted,
        name,
      );
    }
  });

  // RFC 5280 6.1.4 (n): node:crypto's checkIssued (X509_check_issued) already refuses an
  // issuer whose key usage lacks keyCertSign; this guards that our chain walk relies on it
  test('an intermediate CA whose key usage lacks keyCertSign vouches for nothing', () => {
    const chainVia = (ca: string, usage: string) => {
      const intermediate = reissue(
        'client.csr',
        ca,
        `basicConstraints=critical,CA:TRUE\nkeyUsage=critical,${usage}\n`,
      );
      const gateway = reissue('gateway.csr', `gw-via-${ca}`, gatewaySan, ca, 'client.key');
      return [gateway, intermediate];
    };
    const crlOnly = problem(() =>
      verifyChain(chainVia('crl-only-ca', 'cRLSign'), cas, new Date(), { keyUsage: keyUsageOf }),
    );
    assert.equal(crlOnly.code, 'untrusted');
    const [gateway, intermediate] = chainVia('signing-ca', 'keyCertSign');
    assert.equal(
      verifyChain([gateway!, intermediate!], cas, new Date(), { keyUsage: keyUsageOf }),
      gateway,
    );
  });
});

describe('xauth-rsa authenticator', () => {
  test('proposes XAUTHInitRSA, identifies us by our certificate’s e-mail, sends CR, CERT and SIG_I', async () => {
    const auth = await xauthRsa();
    assert.equal(auth.methodId, AuthMethod.XauthInitRsa);
    assert.equal(auth.psk, undefined, 'SKEYID from the nonces and g^xy');
    assert.deepEqual(auth.identity, {
      idType: IdType.UserFqdn,
      data: Buffer.from(LAB_CLIENT_EMAIL),
    });
    // one CR for the profile's one CA, named by its subject in DER: the bytes the issuer field
    // of every certificate it issued holds
    const [request, ...others] = received(auth.certificateRequests);
    assert.equal(others.length, 0);
    assert.ok(request?.type === PayloadType.CertificateRequest);
    assert.equal(request.body.encoding, CertEncoding.X509Signature);
    assert.equal(request.body.data[0], 0x30, 'a DER Name: a SEQUENCE');
    assert.ok(certOf(pki.lab.caCert).raw.includes(request.body.data));
    assert.ok(certOf(pki.clientCert).raw.includes(request.body.data));
    assert.ok(!certOf(pki.rogue.caCert).raw.includes(request.body.data));
    const hashI = randomBytes(32);
    const [cert, sig] = received(auth.prove(hashI));
    assert.ok(cert?.type === PayloadType.Certificate && sig?.type === PayloadType.Signature);
    assert.deepEqual(cert.body.data, certOf(pki.clientCert).raw);
    assert.ok(hashSignatureVerifies(certOf(pki.clientCert).publicKey, hashI, sig.body.data));
  });

  test('a certificate from an intermediate CA: CERT for it, then the intermediate, never the root', async () => {
    const { chain, cert, key } = pki.viaIntermediate;
    const intermediate = readCertificates(readFileSync(chain), chain, 'chain').find((c) =>
      c.subject.includes('Lab issuing CA'),
    );
    assert.ok(intermediate);
    const hashI = randomBytes(32);
    const proof = received(
      (await xauthRsa({ certificateFile: chain, privateKeyFile: key })).prove(hashI),
    );
    assert.deepEqual(
      proof.map((p) => p.type),
      [PayloadType.Certificate, PayloadType.Certificate, PayloadType.Signature],
    );
    const [leaf, issuer] = proof.flatMap((p) =>
      p.type === PayloadType.Certificate ? [p.body.data] : [],
    );
    assert.deepEqual(leaf, certOf(cert).raw);
    assert.deepEqual(
      issuer,
      intermediate.raw,
      'the lab CA (self-signed, in the file first) stays out',
    );
    // a file without the intermediate sends our certificate alone; CAs off our path stay out
    const alone = await xauthRsa({ certificateFile: cert, privateKeyFile: key });
    assert.equal(alone.prove(hashI).filter((p) => p.type === PayloadType.Certificate).length, 1);
    assert.deepEqual(
      intermediatesOf(certOf(pki.clientCert), [intermediate, certOf(pki.lab.caCert)]),
      [],
    );
  });

  test('the lab gateway’s proof verifies and names the gateway', async () => {
    const auth = await xauthRsa();
    const hashR = randomBytes(32);
    const { name, warnings } = auth.verify(
      gatewayProof(pki.lab.gatewayCert, pki.lab.gatewayKey, hashR),
      hashR,
      gatewayId,
    );
    assert.match(name, new RegExp(LAB_GATEWAY_NAME));
    assert.deepEqual(warnings, [], 'no CRL file: nothing to warn of');
  });

  test('each gateway failure has its code', async () => {
    const hashR = randomBytes(32);
    const lab = gatewayProof(pki.lab.gatewayCert, pki.lab.gatewayKey, hashR);
    const check = async (
      expected: string,
      verify: (auth: Awaited<ReturnType<typeof xauthRsa>>) => unknown,
      fields: Partial<Profile> = {},
      now?: () => Date,
    ) => {
      const auth = await xauthRsa(fields, now);
      const error = await rejection(() => verify(auth));
      assert.equal(error.code, expected, error.message);
      return error;
    };
    const rogue = gatewayProof(pki.rogue.gatewayCert, pki.rogue.gatewayKey, hashR);
    await check('gateway-cert-untrusted', (a) => a.verify(rogue, hashR, gatewayId));
    await check('gateway-cert-untrusted', (a) => a.verify(lab, randomBytes(32), gatewayId));
    await check(
      'gateway-cert-expired',
      (a) => a.verify(lab, hashR, gatewayId),
      {},
      () => new Date(Date.now() + 10 * 86400_000),
    );
    const mismatch = await check('gateway-id-mismatch', (a) => a.verify(lab, hashR, gatewayId), {
      gatewayId: 'vpn.elsewhere.example',
    });
    assert.match(mismatch.message, /vpn\.elsewhere\.example/);
    const otherId = { idType: IdType.Fqdn, data: Buffer.from('other.lab.example') };
    await check('gateway-id-mismatch', (a) => a.verify(lab, hashR, otherId));
    // the DNS name in the certificate is as good as its address
    const auth = await xauthRsa({ gatewayId: LAB_GATEWAY_NAME });
    assert.ok(auth.verify(lab, hashR, gatewayId));
  });

  test('an encrypted key asks for its passphrase, only then; a wrong one is named', async () => {
    let asked = 0;
    const withPassphrase = (value: string) =>
      createAuthenticator({
        profile: profile({
          authMethod: 'xauth-rsa',
          certificateFile: pki.clientCert,
          privateKeyFile: pki.clientKeyEncrypted,
        }),
        groupPsk: undefined,
        keyPassphrase: () => {
          asked++;
          return Promise.resolve(Secret.fromString(value));
        },
      });
    const auth = await withPassphrase(pki.clientKeyPassphrase);
    assert.equal(asked, 1);
    assert.equal(auth.identity.idType, IdType.UserFqdn);
    const wrong = await rejection(withPassphrase('not-the-passphrase'));
    assert.equal(wrong.code, 'certificate-unusable');
    assert.match(wrong.message, /passphrase/);
    assert.ok(!wrong.message.includes('not-the-passphrase'), 'no secret in the message');
    await xauthRsa();
    assert.equal(asked, 2, 'an unencrypted key asks nothing');
  });

  test('unusable files: PKCS#12 without its passphrase, neither PEM nor PKCS#12, a foreign key, a missing file, a missing field', async () => {
    const p12 = join(pki.dir, 'client.p12');
    execFileSync(
      'openssl',
      [
        'pkcs12',
        '-export',
        '-in',
        'client.pem',
        '-inkey',
        'client.key',
        '-out',
        p12,
        '-passout',
        'pass:x',
      ],
      { cwd: pki.dir, stdio: 'ignore' },
    );
    const pkcs12 = await rejection(xauthRsa({ certificateFile: p12, privateKeyFile: undefined }));
    assert.equal(pkcs12.code, 'certificate-unusable');
    assert.match(pkcs12.message, /PKCS#12 file .*client\.p12 is protected by a passphrase/);
    const der = join(pki.dir, 'client.der');
    writeFileSync(der, certOf(pki.clientCert).raw);
    const neither = await rejection(xauthRsa({ certificateFile: der }));
    assert.equal(neither.code, 'certificate-unusable');
    assert.match(neither.message, /client\.der is neither PEM nor PKCS#12/);
    const foreign = await rejection(xauthRsa({ privateKeyFile: pki.lab.gatewayKey }));
    assert.equal(foreign.code, 'certificate-unusable');
    assert.match(foreign.message, /does not belong/);
    const missing = await rejection(xauthRsa({ caFile: join(pki.dir, 'nowhere.pem') }));
    assert.equal(missing.code, 'certificate-unusable');
    assert.match(missing.message, /caFile .*nowhere\.pem: ENOENT/);
    const unset = await rejection(xauthRsa({ certificateFile: undefined }));
    assert.equal(unset.code, 'config-invalid');
    assert.match(unset.message, /certificateFile/);
  });
});

describe('hybrid authenticator (draft-ietf-ipsec-isakmp-hybrid-auth)', () => {
  test('proposes HybridInitRSA, proves with HASH_I, checks the gateway like xauth-rsa', async () => {
    const auth = await createAuthenticator({
      profile: profile({ authMethod: 'hybrid' }),
      groupPsk: undefined,
      keyPassphrase: undefined,
    });
    assert.equal(auth.methodId, AuthMethod.HybridInitRsa);
    assert.equal(auth.psk, undefined);
    assert.deepEqual(auth.identity, { idType: IdType.KeyId, data: Buffer.from('labgroup') });
    const hashI = randomBytes(32);
    assert.deepEqual(auth.prove(hashI), [{ type: PayloadType.Hash, body: { data: hashI } }]);
    const hashR = randomBytes(32);
    assert.ok(
      auth.verify(gatewayProof(pki.lab.gatewayCert, pki.lab.gatewayKey, hashR), hashR, gatewayId),
    );
    const rogue = gatewayProof(pki.rogue.gatewayCert, pki.rogue.gatewayKey, hashR);
    assert.equal(
      (await rejection(() => auth.verify(rogue, hashR, gatewayId))).code,
      'gateway-cert-untrusted',
    );
  });
});

describe("the profile's CRL file (RFC 5280 5)", () => {
  const hashR = randomBytes(32);
  const lab = gatewayProof(pki.lab.gatewayCert, pki.lab.gatewayKey, hashR);
  let made = 0;
  const crl = (options: CrlOptions = {}) =>
    makeCrl(pki, join(pki.dir, `crl-${made++}.pem`), options);
  const hybrid = (crlFile: string, crlRequired = false) =>
    createAuthenticator({
      profile: profile({ authMethod: 'hybrid', crlFile, crlRequired }),
      groupPsk: undefined,
      keyPassphrase: undefined,
    });
  const warningsOf = async (crlFile: string) =>
    (await hybrid(crlFile)).verify(lab, hashR, gatewayId).warnings;
  const refusal = async (crlFile: string, crlRequired = false) =>
    rejection(async () => (await hybrid(crlFile, crlRequired)).verify(lab, hashR, gatewayId));
  const pastUpdate = { lastUpdate: '20200101000000Z', nextUpdate: '20200102000000Z' };

  test('a current CRL of the lab CA that does not list the gateway: no warning', async () => {
    assert.deepEqual(await warningsOf(crl({ revoked: [pki.clientCert] })), []);
  });

  test('a CRL that lists the gateway: gateway-cert-revoked, naming serial, date and reason', async () => {
    const day = () => new Date().toISOString().slice(0, 10);
    const before = day();
    const error = await refusal(crl({ revoked: [pki.lab.gatewayCert] }));
    const days = new Set([before, day()]);
    assert.equal(error.code, 'gateway-cert-revoked', error.message);
    const serial = certOf(pki.lab.gatewayCert).serialNumber;
    const on = error.message.match(
      new RegExp(`serial ${serial} was revoked by .*Lab CA on (\\S+) \\(key compromise\\)`),
    );
    assert.ok(on && days.has(on[1]!), error.message);
    // listed in a CRL past its nextUpdate is revoked all the same: a revocation is not undone
    const stale = await refusal(crl({ revoked: [pki.lab.gatewayCert], ...pastUpdate }));
    assert.equal(stale.code, 'gateway-cert-revoked');
  });

  test('the newest CRL counts; past its nextUpdate, revocation is unknown: a warning, and connected', async () => {
    const [warning, ...more] = await warningsOf(crl(pastUpdate));
    assert.equal(more.length, 0);
    assert.equal(warning?.code, 'revocation-unchecked');
    assert.match(warning!.message, /Lab CA in .* was due for renewal on 2020-01-02/);
    // the same file with a current CRL as well: that one decides
    const both = join(pki.dir, 'both.pem');
    writeFileSync(both, readFileSync(crl(pastUpdate), 'latin1') + readFileSync(crl(), 'latin1'));
    assert.deepEqual(await warningsOf(both), []);
  });

  test('crlRequired: without a current CRL the gateway is refused (gateway-cert-revocation-unknown); with one it is not', async () => {
    for (const crlFile of [crl(pastUpdate), crl({ ca: 'rogue-ca' })]) {
      const error = await refusal(crlFile, true);
      assert.equal(error.code, 'gateway-cert-revocation-unknown', error.message);
      assert.match(error.message, /the profile requires a current CRL for .*gw\.lab\.example/);
    }
    const auth = await hybrid(crl(), true);
    assert.deepEqual(auth.verify(lab, hashR, gatewayId).warnings, []);
    assert.equal(
      (await refusal(crl({ revoked: [pki.lab.gatewayCert] }), true)).code,
      'gateway-cert-revoked',
    );
  });

  test('CRLs of another CA, or one with the lab CA’s name but not its key, say nothing of the gateway', async () => {
    const foreign = await warningsOf(crl({ ca: 'rogue-ca', revoked: [pki.rogue.gatewayCert] }));
    assert.match(foreign[0]?.message ?? '', /holds no CRL signed by .*Lab CA/);
    makeCa(pki.dir, 'rsa', 'lookalike', '/O=Roadwarrior lab/CN=Lab CA');
    // a forger's CRL listing the gateway must not take it down, nor vouch for it
    const forged = await warningsOf(crl({ ca: 'lookalike', revoked: [pki.lab.gatewayCert] }));
    assert.equal(forged[0]?.code, 'revocation-unchecked');
    assert.match(forged[0]!.message, /holds no CRL signed by/);
  });

  test('a delta CRL (critical extension, RFC 5280 5.2.4) is not used', async () => {
    const [warning] = await warningsOf(crl({ delta: true, revoked: [pki.lab.gatewayCert] }));
    assert.match(warning?.message ?? '', /only delta or partitioned CRLs/);
  });

  test('an intermediate CA of the path that is revoked refuses the certificate it issued', () => {
    const cas = readCertificates(readFileSync(pki.lab.caCert), pki.lab.caCert, 'CA file');
    const path = [certOf(pki.viaIntermediate.cert), certOf(join(pki.dir, 'issuing-ca.pem'))];
    const check = (file: string) => (certificate: X509Certificate, issuer: X509Certificate) => {
      const status = revocationOf(
        certificate,
        issuer,
        readCrls(readFileSync(file), file),
        new Date(),
      );
      if (status.status !== 'good') throw new CertificateProblem('revoked', status.message);
    };
    const revoked = join(pki.dir, 'issuing-revoked.pem');
    writeFileSync(
      revoked,
      readFileSync(crl({ revoked: [join(pki.dir, 'issuing-ca.pem')] }), 'latin1') +
        readFileSync(crl({ ca: 'issuing-ca' }), 'latin1'),
    );
    assert.throws(
      () =>
        verifyChain(path, cas, new Date(), { keyUsage: keyUsageOf, revocation: check(revoked) }),
      /Lab issuing CA, serial .* was revoked by .*Lab CA/,
    );
    const current = join(pki.dir, 'issuing-good.pem');
    writeFileSync(
      current,
      readFileSync(crl(), 'latin1') + readFileSync(crl({ ca: 'issuing-ca' }), 'latin1'),
    );
    assert.equal(
      verifyChain(path, cas, new Date(), { keyUsage: keyUsageOf, revocation: check(current) }),
      path[0],
    );
  });

  test('a CA whose key usage lacks cRLSign: its CRLs do not count (RFC 5280 6.3.3 (f))', () => {
    makeCa(pki.dir, 'rsa', 'no-crl-sign', '/O=Roadwarrior lab/CN=No CRL signing CA', 'keyCertSign');
    const subject = `/O=Roadwarrior lab/CN=${LAB_GATEWAY_NAME}`;
    issue(
      pki.dir,
      'rsa',
      'no-crl-sign',
      'gw-no-crl-sign',
      subject,
      `subjectAltName=DNS:${LAB_GATEWAY_NAME}\n`,
    );
    const gateway = join(pki.dir, 'gw-no-crl-sign.pem');
    const file = crl({ ca: 'no-crl-sign', revoked: [gateway] });
    const status = revocationOf(
      certOf(gateway),
      certOf(join(pki.dir, 'no-crl-sign.pem')),
      readCrls(readFileSync(file), file),
      new Date(),
    );
    assert.equal(status.status, 'unknown');
    assert.match(
      status.status === 'unknown' ? status.message : '',
      /No CRL signing CA does not allow it to sign CRLs \(cRLSign\)/,
    );
  });

  test('a DER CRL file is read as one CRL', async () => {
    const der = join(pki.dir, 'revoked.der');
    execFileSync('openssl', [
      'crl',
      '-in',
      crl({ revoked: [pki.lab.gatewayCert] }),
      '-outform',
      'DER',
      '-out',
      der,
    ]);
    assert.equal((await refusal(der)).code, 'gateway-cert-revoked');
  });

  test('a CRL file that is missing, has no CRL, or holds one OpenSSL cannot read: certificate-unusable, named', async () => {
    const missing = await rejection(hybrid(join(pki.dir, 'nowhere.crl')));
    assert.equal(missing.code, 'certificate-unusable');
    assert.match(missing.message, /crlFile .*nowhere\.crl: ENOENT/);
    const noCrl = await rejection(hybrid(pki.lab.caCert));
    assert.equal(noCrl.code, 'certificate-unusable');
    assert.match(noCrl.message, /holds no PEM CRL/);
    const garbage = join(pki.dir, 'garbage.crl');
    writeFileSync(garbage, randomBytes(300));
    const unreadable = await refusal(garbage);
    assert.equal(unreadable.code, 'certificate-unusable');
    assert.match(unreadable.message, /garbage\.crl holds a CRL OpenSSL cannot read/);
  });

  test('crlStatus on bytes that are not one DER CRL or certificate: null, never a crash', () => {
    const addon = loadEngineAddon<{
      crlStatus(crl: Buffer, certificate: Buffer, issuer: Buffer): object | null;
    }>('x509_name', 'this test needs', 'x509-name-unavailable');
    const der = readCrls(readFileSync(crl({ revoked: [pki.lab.gatewayCert] })), 'crl').crls[0]!;
    const gateway = certOf(pki.lab.gatewayCert).raw;
    const ca = certOf(pki.lab.caCert).raw;
    const original = addon.crlStatus(der, gateway, ca);
    assert.ok(original);
    for (const bad of [Buffer.alloc(0), randomBytes(64), der.subarray(0, der.length - 1)]) {
      assert.equal(addon.crlStatus(bad, gateway, ca), null);
      assert.equal(addon.crlStatus(der, bad, ca), null);
      assert.equal(addon.crlStatus(der, gateway, bad), null);
    }
    for (let i = 0; i < 300; i++) {
      const flipped = Buffer.from(der);
      const at = randomInt(flipped.length);
      flipped.writeUInt8(flipped.readUInt8(at) ^ (1 << randomInt(8)), at);
      const status = addon.crlStatus(flipped, gateway, ca) as { issuedBy: boolean } | null;
      // a changed bit breaks the encoding or the signature, or is outside what the issuer
      // signed (the outer algorithm's parameters): what a CRL we accept says never changes
      if (status?.issuedBy) assert.deepEqual(status, original, `bit flipped at ${at}`);
    }
  });
});
