// ECDSA certificates (RFC 4754) in memory: the raw-digest signatures of the engine's addon
// (app/engine/crypto/native/raw_ecdsa.cc) against RFC 4754's own test vector and, both ways,
// against the OpenSSL command line signing and verifying the same digest; malformed signatures
// are false, never a throw. Then the `certificate` method: an EC key proposes its curve's method
// (9, 10, 11) and signs r || s, an RSA key RSA signatures (3), neither with XAuth; an EC key or an
// EC gateway under an XAuth method, and keys RFC 4754 has no method for, are named.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createAuthenticator } from '../../app/engine/auth/index.js';
import { ecdsaDigestVerifies, ecdsaSignDigest } from '../../app/engine/crypto/raw-ecdsa.js';
import { hashSignatureVerifies, signHash } from '../../app/engine/crypto/signature.js';
import { AuthMethod, CertEncoding, IdType, PayloadType } from '../../app/engine/wire/constants.js';
import {
  type OutgoingPayload,
  decodePayloadChain,
  encodePayloadChain,
} from '../../app/engine/wire/payloads.js';
import { type Profile, ProfileSchema } from '../../app/shared/profile.js';
import { LAB_ADDRESSES } from '../lab/addresses.js';
import {
  LAB_CLIENT_EMAIL,
  LAB_GATEWAY_NAME,
  type PkiKeys,
  type TestPki,
  makeTestPki,
} from '../lab/pki.js';
import { rejection } from './support/engine-rejection.js';

const CURVES = [
  {
    keys: 'P-256',
    methodId: AuthMethod.EcdsaSha256,
    label: 'ECDSA-256',
    scalar: 32,
    hash: 'sha256',
  },
  {
    keys: 'P-384',
    methodId: AuthMethod.EcdsaSha384,
    label: 'ECDSA-384',
    scalar: 48,
    hash: 'sha384',
  },
  {
    keys: 'P-521',
    methodId: AuthMethod.EcdsaSha521,
    label: 'ECDSA-521',
    scalar: 66,
    hash: 'sha512',
  },
] as const;

const pkis = new Map<PkiKeys, TestPki>();
/** one PKI per key type, made when first used */
function pkiOf(keys: PkiKeys): TestPki {
  let pki = pkis.get(keys);
  if (!pki) {
    pki = makeTestPki(LAB_ADDRESSES.gateway, keys);
    pkis.set(keys, pki);
  }
  return pki;
}
after(() => {
  for (const pki of pkis.values()) pki.remove();
});

const certOf = (file: string) => new X509Certificate(readFileSync(file));
const keyOf = (file: string) => createPrivateKey(readFileSync(file));
const hex = (text: string) => Buffer.from(text.replace(/\s/g, ''), 'hex');

// DER ECDSA-Sig-Value (RFC 3279 2.2.3), written and read here only to hand signatures to and from
// the openssl command line
function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}
function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  const body = (value[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), value]) : value;
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}
function toDer(rs: Buffer): Buffer {
  const half = rs.length / 2;
  const body = Buffer.concat([derInteger(rs.subarray(0, half)), derInteger(rs.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
function fromDer(der: Buffer, scalar: number): Buffer {
  let offset = der[1] === 0x81 ? 3 : 2;
  const integer = () => {
    const length = der[offset + 1] ?? 0;
    const value = der.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    const trimmed = value.length > scalar ? value.subarray(value.length - scalar) : value;
    return Buffer.concat([Buffer.alloc(scalar - trimmed.length), trimmed]);
  };
  return Buffer.concat([integer(), integer()]);
}

function openssl(dir: string, args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('openssl', args, { cwd: dir, encoding: 'utf8' }) };
  } catch (error) {
    return { ok: false, out: String((error as { stdout?: unknown }).stdout ?? '') };
  }
}

describe('raw-digest ECDSA on OpenSSL EVP (RFC 4754)', () => {
  test('RFC 4754 8.1: the ECDSA-256 test vector verifies; a changed digest or signature does not', () => {
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: hex('2442A5CC 0ECD015F A3CA31DC 8E2BBC70 BF42D60C BCA20085 E0822CB0 4235E970').toString(
          'base64url',
        ),
        y: hex('6FC98BD7 E50211A4 A27102FA 3549DF79 EBCB4BF2 46B80945 CDDFE7D5 09BBFD7D').toString(
          'base64url',
        ),
      },
      format: 'jwk',
    });
    const digest = createHash('sha256').update('abc').digest();
    const signature = hex(`CB28E099 9B9C7715 FD0A80D8 E47A7707 9716CBBF 917DD72E 97566EA1 C066957C
      86FA3BB4 E26CAD5B F90B7F81 899256CE 7594BB1E A0C89212 748BFF3B 3D5B0315`);
    assert.equal(ecdsaDigestVerifies(key, digest, signature), true);
    assert.equal(
      ecdsaDigestVerifies(key, createHash('sha256').update('abd').digest(), signature),
      false,
    );
    const changed = Buffer.from(signature);
    changed[40] = (changed[40] ?? 0) ^ 1;
    assert.equal(ecdsaDigestVerifies(key, digest, changed), false);
  });

  for (const { keys, scalar } of CURVES) {
    test(`${keys}: r || s of ${2 * scalar} bytes, verified by openssl pkeyutl on the raw digest, and openssl's signature by us`, () => {
      const pki = pkiOf(keys);
      const digest = randomBytes(32);
      writeFileSync(join(pki.dir, 'digest.bin'), digest);
      const signature = ecdsaSignDigest(keyOf(pki.clientKey), digest);
      assert.equal(signature.length, 2 * scalar);
      const ours = certOf(pki.clientCert).publicKey;
      assert.equal(ecdsaDigestVerifies(ours, digest, signature), true);
      openssl(pki.dir, ['x509', '-in', pki.clientCert, '-pubkey', '-noout', '-out', 'client.pub']);
      writeFileSync(join(pki.dir, 'ours.sig'), toDer(signature));
      const verify = (sig: string) =>
        openssl(pki.dir, [
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          'client.pub',
          '-in',
          'digest.bin',
          '-sigfile',
          sig,
        ]);
      const checked = verify('ours.sig');
      assert.ok(checked.ok, checked.out);
      assert.match(checked.out, /Signature Verified Successfully/);
      // the same check fails for another digest's signature: the command can say no
      writeFileSync(
        join(pki.dir, 'other.sig'),
        toDer(ecdsaSignDigest(keyOf(pki.clientKey), randomBytes(32))),
      );
      assert.equal(verify('other.sig').ok, false);
      const signed = openssl(pki.dir, [
        'pkeyutl',
        '-sign',
        '-inkey',
        pki.clientKey,
        '-in',
        'digest.bin',
        '-out',
        'openssl.sig',
      ]);
      assert.ok(signed.ok);
      const theirs = fromDer(readFileSync(join(pki.dir, 'openssl.sig')), scalar);
      assert.equal(ecdsaDigestVerifies(ours, digest, theirs), true);
      assert.equal(ecdsaDigestVerifies(ours, randomBytes(32), theirs), false);
    });
  }

  test('malformed signatures are false, not a throw: wrong lengths, zero, r and s past the order', () => {
    const pki = pkiOf('P-256');
    const key = certOf(pki.clientCert).publicKey;
    const digest = randomBytes(32);
    const good = ecdsaSignDigest(keyOf(pki.clientKey), digest);
    for (const signature of [
      Buffer.alloc(0),
      good.subarray(0, 63),
      Buffer.concat([good, Buffer.alloc(1)]),
      Buffer.concat([Buffer.alloc(1), good]),
      toDer(good),
      Buffer.alloc(64),
      Buffer.alloc(64, 0xff),
    ])
      assert.equal(ecdsaDigestVerifies(key, digest, signature), false, signature.toString('hex'));
    assert.equal(ecdsaDigestVerifies(key, Buffer.alloc(0), good), false);
    // an RSA key is not an EC key: false through the phase 1 dispatcher too
    const rsa = certOf(pkiOf('rsa').clientCert).publicKey;
    assert.equal(hashSignatureVerifies(rsa, digest, good), false);
  });
});

const received = (payloads: OutgoingPayload[]) => {
  const chain = encodePayloadChain(payloads);
  return decodePayloadChain(chain.firstPayload, chain.bytes).payloads;
};
const gatewayId = { idType: IdType.Ipv4Addr, data: Buffer.from([198, 51, 100, 1]) };

/** Message 6 (or aggressive mode's message 2) of a gateway with this PKI's certificate: CERT
 * and SIG_R, or `signature` in its place. */
function gatewayProof(pki: TestPki, hashR: Buffer, signature?: Buffer) {
  return received([
    {
      type: PayloadType.Certificate,
      body: { encoding: CertEncoding.X509Signature, data: certOf(pki.lab.gatewayCert).raw },
    },
    {
      type: PayloadType.Signature,
      body: { data: signature ?? signHash(keyOf(pki.lab.gatewayKey), hashR) },
    },
  ]);
}

function profile(pki: TestPki, fields: Partial<Profile>): Profile {
  return ProfileSchema.parse({
    name: 'ecdsa',
    gateway: LAB_ADDRESSES.gateway,
    group: 'labgroup',
    exchange: 'main',
    caFile: pki.lab.caCert,
    certificateFile: pki.clientCert,
    privateKeyFile: pki.clientKey,
    ...fields,
  });
}

const authenticator = (pki: TestPki, fields: Partial<Profile>) =>
  createAuthenticator({
    profile: profile(pki, fields),
    groupPsk: undefined,
    keyPassphrase: undefined,
  });

describe('the certificate method (no XAuth): RSA or ECDSA by the client key', () => {
  for (const { keys, methodId, label, scalar, hash } of CURVES) {
    test(`${keys}: proposes ${label} (${methodId}), HASH_I and HASH_R by HMAC-${hash}, SIG_I is r || s, the EC gateway's SIG_R verifies, a forged one does not`, async () => {
      const pki = pkiOf(keys);
      const auth = await authenticator(pki, { authMethod: 'certificate' });
      assert.equal(auth.methodId, methodId);
      assert.equal(auth.label, label);
      // whatever the proposal's hash, as strongSwan (with P-384 and SHA-256 nothing else verifies)
      assert.equal(auth.authPrf, hash);
      assert.deepEqual(auth.identity, {
        idType: IdType.UserFqdn,
        data: Buffer.from(LAB_CLIENT_EMAIL),
      });
      const hashI = randomBytes(32);
      const [cert, sig] = received(auth.prove(hashI));
      assert.ok(cert?.type === PayloadType.Certificate && sig?.type === PayloadType.Signature);
      assert.equal(sig.body.data.length, 2 * scalar);
      assert.ok(ecdsaDigestVerifies(certOf(pki.clientCert).publicKey, hashI, sig.body.data));
      const hashR = randomBytes(32);
      assert.match(
        auth.verify(gatewayProof(pki, hashR), hashR, gatewayId).name,
        new RegExp(LAB_GATEWAY_NAME),
      );
      for (const forged of [
        signHash(keyOf(pki.lab.gatewayKey), randomBytes(32)),
        Buffer.alloc(0),
        Buffer.alloc(2 * scalar + 1),
      ]) {
        const error = await rejection(() =>
          auth.verify(gatewayProof(pki, hashR, forged), hashR, gatewayId),
        );
        assert.equal(error.code, 'gateway-cert-untrusted', error.message);
        assert.match(error.message, /signature does not verify/);
      }
    });
  }

  test('an RSA key: RSA signatures (method 3, RFC 2409 5.1), named RSA-SIG', async () => {
    const pki = pkiOf('rsa');
    const auth = await authenticator(pki, { authMethod: 'certificate' });
    assert.equal(auth.methodId, AuthMethod.RsaSignature);
    assert.equal(auth.label, 'RSA-SIG');
    assert.equal(auth.authPrf, undefined, "the proposal's prf");
    const hashR = randomBytes(32);
    assert.match(
      auth.verify(gatewayProof(pki, hashR), hashR, gatewayId).name,
      new RegExp(LAB_GATEWAY_NAME),
    );
  });

  test('an EC gateway from another CA: gateway-cert-untrusted naming that CA', async () => {
    const pki = pkiOf('P-256');
    const auth = await authenticator(pki, { authMethod: 'certificate' });
    const hashR = randomBytes(32);
    const rogue = received([
      {
        type: PayloadType.Certificate,
        body: { encoding: CertEncoding.X509Signature, data: certOf(pki.rogue.gatewayCert).raw },
      },
      { type: PayloadType.Signature, body: { data: signHash(keyOf(pki.rogue.gatewayKey), hashR) } },
    ]);
    const error = await rejection(() => auth.verify(rogue, hashR, gatewayId));
    assert.equal(error.code, 'gateway-cert-untrusted');
    assert.match(error.message, /Other CA/);
  });
});

describe('ECDSA where IKEv1 has no method for it: named before or when it shows', () => {
  test('xauth-rsa with an EC key: certificate-unusable, no XAuth method with ECDSA, use certificate', async () => {
    const error = await rejection(authenticator(pkiOf('P-256'), { authMethod: 'xauth-rsa' }));
    assert.equal(error.code, 'certificate-unusable');
    assert.match(error.message, /EC key \(P-256\)/);
    assert.match(error.message, /no xauth-rsa method with ECDSA/);
    assert.match(error.message, /authMethod certificate/);
  });

  test('an EC gateway under hybrid or xauth-rsa, and under certificate with an RSA key: which side must change', async () => {
    const ec = pkiOf('P-256');
    const rsa = pkiOf('rsa');
    const hashR = randomBytes(32);
    const ecGateway = gatewayProof(ec, hashR);
    for (const [authMethod, fields, remedy] of [
      [
        'hybrid',
        {},
        /no XAuth or hybrid method with ECDSA.*authMethod certificate and an EC client key/,
      ],
      ['xauth-rsa', {}, /no XAuth or hybrid method with ECDSA/],
      ['certificate', {}, /connect with an EC client key/],
    ] as const) {
      // the profile trusts the EC PKI's CA, so the key type is all that is wrong
      const auth = await authenticator(rsa, { authMethod, caFile: ec.lab.caCert, ...fields });
      const error = await rejection(() => auth.verify(ecGateway, hashR, gatewayId));
      assert.equal(error.code, 'certificate-unusable', error.message);
      assert.match(error.message, /holds an EC key \(P-256\)/);
      assert.match(error.message, remedy);
    }
    // an EC client key with an RSA gateway
    const auth = await authenticator(ec, { authMethod: 'certificate', caFile: rsa.lab.caCert });
    const error = await rejection(() => auth.verify(gatewayProof(rsa, hashR), hashR, gatewayId));
    assert.equal(error.code, 'certificate-unusable');
    assert.match(
      error.message,
      /holds an RSA key, but we proposed ECDSA-256.*connect with an RSA client key/,
    );
  });

  test('keys RFC 4754 has no method for (Ed25519, EC on secp256k1): certificate-unusable, named', async () => {
    const pki = pkiOf('rsa');
    for (const [algorithm, named] of [
      [['-newkey', 'ed25519'], /type ed25519/],
      [['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'], /curve secp256k1/],
    ] as const) {
      openssl(pki.dir, [
        'req',
        '-x509',
        ...algorithm,
        '-nodes',
        '-keyout',
        'other.key',
        '-out',
        'other.pem',
        '-days',
        '1',
        '-subj',
        '/CN=other',
        '-addext',
        `subjectAltName=email:${LAB_CLIENT_EMAIL}`,
      ]);
      const error = await rejection(
        authenticator(pki, {
          authMethod: 'certificate',
          certificateFile: join(pki.dir, 'other.pem'),
          privateKeyFile: join(pki.dir, 'other.key'),
        }),
      );
      assert.equal(error.code, 'certificate-unusable');
      assert.match(error.message, named);
      assert.match(error.message, /P-256, P-384 or P-521/);
    }
  });
});
