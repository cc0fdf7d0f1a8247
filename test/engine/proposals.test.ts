import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  espAttributes,
  groupOffers,
  matchEspChoice,
  offeredEspProposals,
  offeredIkeProposals,
  parseEspProposal,
  parseIkeProposal,
  phase1Attributes,
} from '../../app/engine/proposals.js';
import { tunnelMtu } from '../../app/engine/mtu.js';
import {
  AuthMethod,
  EncapsulationMode,
  Phase1Attr,
  Phase2Attr,
} from '../../app/engine/wire/constants.js';
import { LEGACY_ESP_PROPOSALS } from '../../app/shared/algorithms.js';
import {
  DEFAULT_ESP_PROPOSALS,
  DEFAULT_IKE_PROPOSALS,
  ProfileSchema,
} from '../../app/shared/profile.js';

test('every default proposal parses', () => {
  for (const p of DEFAULT_IKE_PROPOSALS) assert.equal(parseIkeProposal(p).text, p);
  for (const p of DEFAULT_ESP_PROPOSALS) assert.equal(parseEspProposal(p).text, p);
  assert.throws(() => parseIkeProposal('aes256-sha256-modp999'), /unsupported IKE proposal/);
  assert.throws(() => parseEspProposal('chacha20'), /unsupported ESP proposal/);
});

test('offers group proposals by DH group, in profile order (one KE per aggressive mode offer)', () => {
  const offers = groupOffers(DEFAULT_IKE_PROPOSALS.map(parseIkeProposal));
  assert.deepEqual(
    offers.map((o) => o.map((p) => p.text)),
    [
      ['aes256-sha256-modp2048', 'aes128-sha256-modp2048', 'aes256-sha384-modp2048'],
      ['aes256-sha256-ecp256', 'aes128-sha256-ecp256'],
      ['aes256-sha384-ecp384'],
    ],
  );
});

const LEGACY_IKE = /3des|md5|sha1|modp1024|modp1536/;
const LEGACY_ESP = /3des|md5|sha1/;

test('default offers are AES with SHA-2 and MODP-2048 or ECP: nothing legacy', () => {
  const profile = ProfileSchema.parse({ name: 'p', gateway: 'gw', group: 'g' });
  const ike = offeredIkeProposals(profile);
  const esp = offeredEspProposals(profile);
  assert.deepEqual(
    ike.filter((p) => LEGACY_IKE.test(p.text)),
    [],
  );
  assert.deepEqual(
    esp.filter((p) => LEGACY_ESP.test(p.text)),
    [],
  );
  assert.ok(ike.every((p) => p.cipher === 'aes' && p.group >= 14));
});

test('legacy: true adds 3DES, MD5, SHA-1 and MODP-1024 after the modern proposals', () => {
  const profile = ProfileSchema.parse({ name: 'p', gateway: 'gw', group: 'g', legacy: true });
  const ike = offeredIkeProposals(profile).map((p) => p.text);
  assert.deepEqual(ike.slice(0, DEFAULT_IKE_PROPOSALS.length), [...DEFAULT_IKE_PROPOSALS]);
  assert.ok(ike.includes('3des-md5-modp1024'));
  assert.ok(ike.includes('aes128-sha1-modp1024'));
  const esp = offeredEspProposals(profile).map((p) => p.text);
  assert.ok(esp.includes('3des-md5') && esp.includes('aes128-sha1'));
  assert.equal(new Set(ike).size, ike.length);
});

test('a profile that lists a legacy proposal gets exactly its list', () => {
  const profile = ProfileSchema.parse({
    name: 'p',
    gateway: 'gw',
    group: 'g',
    ikeProposals: ['3des-sha1-modp1024'],
    espProposals: ['3des-md5'],
  });
  assert.deepEqual(
    offeredIkeProposals(profile).map((p) => p.text),
    ['3des-sha1-modp1024'],
  );
  assert.deepEqual(
    offeredEspProposals(profile).map((p) => p.text),
    ['3des-md5'],
  );
});

test('phase 1 transform puts Encryption-Algorithm before Key-Length', () => {
  const attrs = phase1Attributes(
    parseIkeProposal('aes256-sha256-modp2048'),
    AuthMethod.XauthInitPreShared,
    28800,
  );
  const types = attrs.map((a) => a.type);
  assert.equal(types[0], Phase1Attr.EncryptionAlgorithm);
  assert.equal(types[1], Phase1Attr.KeyLength);
  assert.deepEqual(
    attrs.find((a) => a.type === Phase1Attr.GroupDescription),
    { type: 4, value: 14 },
  );
  assert.deepEqual(
    attrs.find((a) => a.type === Phase1Attr.AuthenticationMethod),
    { type: 3, value: 65001 },
  );
  // 3DES has a fixed key length: no Key-Length attribute (RFC 2409 appendix A)
  const tdes = phase1Attributes(parseIkeProposal('3des-md5-modp1024'), 1, 3600).map((a) => a.type);
  assert.ok(!tdes.includes(Phase1Attr.KeyLength));
});

test('ESP attributes and matching the gateway choice', () => {
  const offered = [...DEFAULT_ESP_PROPOSALS, ...LEGACY_ESP_PROPOSALS].map(parseEspProposal);
  const gcm = espAttributes(offered[0]!, EncapsulationMode.UdpTunnel, { seconds: 3600 }, undefined);
  assert.ok(
    !gcm.some((a) => a.type === Phase2Attr.AuthenticationAlgorithm),
    'GCM carries no auth algorithm',
  );
  const pfs = espAttributes(
    offered[3]!,
    EncapsulationMode.UdpTunnel,
    { seconds: 100000, kilobytes: 5000 },
    14,
  );
  assert.deepEqual(
    pfs.find((a) => a.type === Phase2Attr.GroupDescription),
    { type: 3, value: 14 },
  );
  assert.deepEqual(
    pfs.filter((a) => a.type === Phase2Attr.LifeDuration),
    [
      { type: 2, bytes: Buffer.from('000186a0', 'hex') },
      { type: 2, value: 5000 },
    ],
  );
  assert.equal(matchEspChoice(offered, 12, 256, 2)?.text, 'aes256-sha1');
  assert.equal(matchEspChoice(offered, 20, 128, undefined)?.text, 'aes128gcm16');
  assert.equal(matchEspChoice(offered, 3, undefined, 1)?.text, '3des-md5');
  assert.equal(matchEspChoice(offered, 12, 192, 2), undefined);
});

test('tunnel MTU fits a 1500-byte path for each transform', () => {
  assert.equal(tunnelMtu('aes-cbc', 'hmac-sha1-96'), 1422);
  assert.equal(tunnelMtu('aes-gcm-16', 'none'), 1438);
  assert.equal(tunnelMtu('3des-cbc', 'hmac-md5-96'), 1438);
  assert.equal(tunnelMtu('aes-cbc', 'hmac-sha256-128'), 1422);
  assert.equal(tunnelMtu('aes-cbc', 'hmac-sha1-96', 1400), 1326);
});
