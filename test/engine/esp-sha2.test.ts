// ESP with HMAC-SHA-384-192 and HMAC-SHA-512-256 (RFC 4868: the key as long as the digest, the
// ICV truncated to half of it; IKEv1 authentication algorithm 6 and 7, RFC 4868 and IANA's
// "IPsec Authentication Algorithm" registry). Parsing, the Quick Mode attribute, KEYMAT split
// and MTU here, and a whole connection against the gateway double; the data planes (OpenSSL EVP
// addon and the TypeScript model) run them in test/dataplane through TRANSFORM_CASES, and
// test/interop/esp-sha2.test.ts against strongSwan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { espKeyLengths } from '../../app/engine/crypto/index.js';
import { tunnelMtu } from '../../app/engine/mtu.js';
import { espAttributes, matchEspChoice, parseEspProposal } from '../../app/engine/proposals.js';
import { EncapsulationMode, Phase2Attr } from '../../app/engine/wire/constants.js';
import { runEngineCase } from './support/engine-case.js';

const CASES = [
  { text: 'aes256-sha384', integrity: 'hmac-sha384-192', authId: 6, keyLength: 48, mtu: 1422 },
  { text: 'aes256-sha512', integrity: 'hmac-sha512-256', authId: 7, keyLength: 64, mtu: 1406 },
] as const;

for (const c of CASES) {
  test(`${c.text}: ${c.integrity}, authentication algorithm ${c.authId}, ${c.keyLength}-byte key`, () => {
    const proposal = parseEspProposal(c.text);
    assert.equal(proposal.integrity, c.integrity);
    const attributes = espAttributes(proposal, EncapsulationMode.UdpTunnel, { seconds: 60 }, 17);
    assert.deepEqual(
      attributes.find((a) => a.type === Phase2Attr.AuthenticationAlgorithm),
      { type: Phase2Attr.AuthenticationAlgorithm, value: c.authId },
    );
    assert.equal(matchEspChoice([proposal], 12, 256, c.authId)?.text, c.text);
    assert.equal(matchEspChoice([proposal], 12, 256, 5), undefined, 'SHA-256 is not this');
    assert.deepEqual(espKeyLengths('aes-cbc', 256, c.integrity), {
      encryption: 32,
      integrity: c.keyLength,
      salt: 0,
    });
    // 1500 - IPv4 20 - UDP 8 - ESP 8 - IV 16 - ICV, to 16-byte blocks, minus the 2 trailer bytes
    assert.equal(tunnelMtu('aes-cbc', c.integrity), c.mtu);
  });

  test(`${c.text} end to end in memory: both ends take the same ${c.keyLength}-byte integrity keys from KEYMAT`, async () => {
    const { outcome, violations, events, gateway } = await runEngineCase({
      ikeProposal: 'aes256-sha384-ecp384',
      espProposal: c.text,
    });
    assert.deepEqual(violations, []);
    assert.equal(outcome, 'connected');
    const { responder, channel } = gateway;
    assert.ok(responder && channel);
    assert.deepEqual(responder.problems, []);
    const [pair] = channel.installed;
    const [mirror] = responder.espSas;
    assert.ok(pair && mirror);
    assert.equal(pair.integrity, c.integrity);
    assert.equal(mirror.integrity, c.integrity, 'the gateway read algorithm ' + c.authId);
    assert.equal(pair.outbound.integrityKey.length, c.keyLength);
    assert.deepEqual(pair.outbound, mirror.inbound);
    assert.deepEqual(pair.inbound, mirror.outbound);
    const ipsec = events.find((e) => e.type === 'sa' && e.kind === 'ipsec');
    assert.ok(ipsec?.type === 'sa' && ipsec.kind === 'ipsec');
    assert.match(ipsec.transform, /sha(384|512)/i);
  });
}
