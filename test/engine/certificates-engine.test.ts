// Certificate and hybrid authentication through the whole engine, against the in-memory
// gateway signing with a test PKI (support/certificate-responder.ts): main mode with xauth-rsa
// and hybrid connect (the gateway checked our SIG_I, we its CERT and SIG_R), and each certificate
// failure ends as its error code and diagnosis, unauthenticated where nothing proved the peer.
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { ErrorEvent } from '../../app/shared/events.js';
import type { ProfileInput } from '../../app/shared/profile.js';
import { LAB_GATEWAY_NAME, type TestPki, makeTestPki } from '../lab/pki.js';
import type { ResponderCertificates } from './support/certificate-responder.js';
import { runEngineCase } from './support/engine-case.js';

// the engine case's gateway address
const pki = makeTestPki('192.0.2.1');
after(() => pki.remove());

const gatewayCertificates = (
  initiator: ResponderCertificates['initiator'],
  which: 'lab' | 'rogue' = 'lab',
): ResponderCertificates => ({
  certificate: new X509Certificate(readFileSync(pki[which].gatewayCert)),
  key: createPrivateKey(readFileSync(pki[which].gatewayKey)),
  initiator,
});

const run = (
  authMethod: 'xauth-rsa' | 'hybrid',
  certificates: ResponderCertificates,
  profile: Partial<ProfileInput> = {},
) =>
  runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    profile: {
      exchange: 'main',
      authMethod,
      caFile: pki.lab.caCert,
      ...(authMethod === 'xauth-rsa'
        ? { certificateFile: pki.clientCert, privateKeyFile: pki.clientKey }
        : {}),
      ...profile,
    },
    responder: { certificates },
  });

const errorOf = (events: { type: string }[]) =>
  events.find((e): e is ErrorEvent => e.type === 'error');

// an EC PKI for the certificate method's ECDSA (RFC 4754)
const ecPki = makeTestPki('192.0.2.1', 'P-384');
after(() => ecPki.remove());

/** authMethod certificate: the gateway checks SIG_I and asks no XAuth. A SHA-256 proposal: an
 * ECDSA-384 method's HASH_I and HASH_R take SHA-384 all the same, as strongSwan's. */
const certificateOnly = (files: TestPki, exchange: 'main' | 'aggressive') =>
  runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    profile: {
      exchange,
      authMethod: 'certificate',
      caFile: files.lab.caCert,
      certificateFile: files.clientCert,
      privateKeyFile: files.clientKey,
    },
    responder: {
      certificates: {
        certificate: new X509Certificate(readFileSync(files.lab.gatewayCert)),
        key: createPrivateKey(readFileSync(files.lab.gatewayKey)),
        initiator: 'signature',
        xauth: false,
      },
    },
  });

describe('certificate authentication through the engine (in memory)', () => {
  for (const [authMethod, initiator, label, exchange] of [
    ['xauth-rsa', 'signature', 'XAUTH-RSA', 'main'],
    ['hybrid', 'hash', 'HYBRID-RSA', 'main'],
    ['xauth-rsa', 'signature', 'XAUTH-RSA', 'aggressive'],
    ['hybrid', 'hash', 'HYBRID-RSA', 'aggressive'],
  ] as const) {
    test(`${authMethod}: ${exchange} mode, XAuth, Mode Config, Quick Mode; the SA names ${label}`, async () => {
      const result = await run(authMethod, gatewayCertificates(initiator), { exchange });
      assert.deepEqual(result.violations, []);
      assert.equal(result.outcome, 'connected', errorOf(result.events)?.message ?? '');
      const ike = result.events.find((e) => e.type === 'sa' && e.kind === 'ike');
      assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
      assert.equal(ike.authMethod, label);
      const logs = result.events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
      assert.ok(
        logs.some((m) =>
          m.includes(`the gateway proved it is O=Roadwarrior lab, CN=${LAB_GATEWAY_NAME}`),
        ),
      );
      assert.ok(!result.events.some((e) => e.type === 'warning' && /group key/.test(e.message)));
    });
  }

  test('a gateway certificate from another CA: gateway-cert-untrusted and its diagnosis', async () => {
    const result = await run('xauth-rsa', gatewayCertificates('signature', 'rogue'));
    assert.deepEqual(result.violations, []);
    assert.equal(result.outcome, 'gateway-cert-untrusted');
  });

  test('aggressive mode: a gateway certificate from another CA is refused at message 2', async () => {
    const result = await run('hybrid', gatewayCertificates('hash', 'rogue'), {
      exchange: 'aggressive',
    });
    assert.deepEqual(result.violations, []);
    assert.equal(result.outcome, 'gateway-cert-untrusted');
    assert.match(errorOf(result.events)?.message ?? '', /Other CA/);
    const diagnosis = result.events.filter((e) => e.type === 'diagnosis').at(-1);
    assert.equal(diagnosis?.type === 'diagnosis' && diagnosis.code, 'gateway-cert-untrusted');
  });

  test('a certificate for another name than the profile’s gatewayId: gateway-id-mismatch', async () => {
    const result = await run('hybrid', gatewayCertificates('hash'), {
      gatewayId: 'vpn.elsewhere.example',
    });
    assert.deepEqual(result.violations, []);
    assert.equal(result.outcome, 'gateway-id-mismatch');
    assert.match(errorOf(result.events)?.message ?? '', /vpn\.elsewhere\.example/);
  });

  test('a gateway that does not take our certificate (it wants HASH_I): client-cert-rejected, unauthenticated', async () => {
    const result = await run('xauth-rsa', gatewayCertificates('hash'));
    assert.deepEqual(result.violations, []);
    assert.equal(result.outcome, 'client-cert-rejected');
    assert.equal(errorOf(result.events)?.authenticated, false);
    // our certificate message exceeds the safe datagram and this gateway offers no IKE
    // fragmentation: the error also names the path as a cause
    assert.match(
      errorOf(result.events)?.message ?? '',
      /did not accept our certificate .*; or it never arrived: our message 5 \(\d+ bytes\) went whole/,
    );
    const diagnosis = result.events.filter((e) => e.type === 'diagnosis').at(-1);
    assert.equal(diagnosis?.type === 'diagnosis' && diagnosis.code, 'client-cert-rejected');
  });

  test('an encrypted client key without a passphrase to give: certificate-unusable before any packet', async () => {
    const result = await run('xauth-rsa', gatewayCertificates('signature'), {
      privateKeyFile: pki.clientKeyEncrypted,
    });
    assert.deepEqual(result.violations, []);
    assert.equal(result.outcome, 'certificate-unusable');
    assert.match(errorOf(result.events)?.message ?? '', /encrypted and no passphrase/);
    assert.equal(result.gateway.responder?.ikeSaCount, 0, 'the gateway never heard from us');
  });
});

describe('the certificate method through the engine (in memory): no XAuth, Mode Config pulled', () => {
  for (const [keys, exchange, label] of [
    ['P-384', 'main', 'ECDSA-384'],
    ['P-384', 'aggressive', 'ECDSA-384'],
    ['rsa', 'main', 'RSA-SIG'],
  ] as const) {
    test(`${keys} keys, ${exchange} mode: ${label} both ways, Mode Config, Quick Mode, nobody asked for XAuth`, async () => {
      const result = await certificateOnly(keys === 'rsa' ? pki : ecPki, exchange);
      assert.deepEqual(result.violations, []);
      assert.equal(result.outcome, 'connected', errorOf(result.events)?.message ?? '');
      const ike = result.events.find((e) => e.type === 'sa' && e.kind === 'ike');
      assert.equal(ike?.type === 'sa' && ike.kind === 'ike' && ike.authMethod, label);
      assert.ok(!result.events.some((e) => e.type === 'state' && e.state === 'xauth'));
      assert.equal(result.gateway.responder?.xauthAnswers.length, 0, 'no XAuth answer sent');
      assert.equal(result.gateway.responder?.modeConfigRequests, 1, 'Mode Config was pulled');
    });
  }
});
