// DH groups 17 and 18 (RFC 3526 5, 6: MODP 6144 and 8192) and 21 (RFC 5903 3.3: ECP 521)
// end to end in memory: phase 1 on each, and a Quick Mode with PFS on each, against the gateway
// double, whose keys come from the responder's side of the same formulas. The interop twin is
// test/interop/dh-groups.test.ts.
import assert from 'node:assert/strict';
import { getDiffieHellman } from 'node:crypto';
import { test } from 'node:test';
import { DH_GROUPS, type DhGroupName, dhGroupLabel } from '../../app/shared/algorithms.js';
import { ProfileSchema } from '../../app/shared/profile.js';
import { runEngineCase } from './support/engine-case.js';

// RFC 3526 5 and 6: the primes' first and last 96 bits as the RFC prints them (every RFC 3526
// prime starts with 2^64-1 and the bits of pi, and ends with 2^64-1).
const RFC3526_PRIMES: [string, number, string, string][] = [
  ['modp17', 6144, 'FFFFFFFFFFFFFFFFC90FDAA2', 'E694F91E6DCC4024FFFFFFFFFFFFFFFF'],
  ['modp18', 8192, 'FFFFFFFFFFFFFFFFC90FDAA2', '60C980DD98EDD3DFFFFFFFFFFFFFFFFF'],
];

test('groups 17 and 18 run on the RFC 3526 primes', () => {
  for (const [name, bits, head, tail] of RFC3526_PRIMES) {
    const prime = getDiffieHellman(name).getPrime('hex').toUpperCase();
    assert.equal(prime.length * 4, bits, `${name} has ${bits} bits`);
    assert.ok(prime.startsWith(head) && prime.endsWith(tail), `${name} is the RFC 3526 prime`);
  }
});

test('the profile takes the new groups in proposals and as PFS groups, and names them', () => {
  const profile = ProfileSchema.parse({
    name: 'p',
    gateway: 'vpn.example.com',
    group: 'g',
    ikeProposals: ['aes256-sha512-modp6144', 'aes256-sha512-modp8192', 'aes256-sha384-ecp521'],
    pfs: 'ecp521',
  });
  assert.equal(profile.pfs, 'ecp521');
  assert.equal(dhGroupLabel(17), '17 (MODP 6144)');
  assert.equal(dhGroupLabel(18), '18 (MODP 8192)');
  assert.equal(dhGroupLabel(21), '21 (ECP 521)');
});

const CASES: [DhGroupName, string][] = [
  ['modp6144', 'aes256-sha512-modp6144'],
  ['modp8192', 'aes256-sha512-modp8192'],
  ['ecp521', 'aes256-sha384-ecp521'],
];

for (const [name, ikeProposal] of CASES) {
  const group = DH_GROUPS[name];
  test(`group ${dhGroupLabel(group)}: phase 1 and a Quick Mode with PFS on it; both ends derive the same keys`, async () => {
    const { outcome, violations, events, gateway } = await runEngineCase({
      ikeProposal,
      espProposal: 'aes256-sha256',
      profile: { pfs: name },
    });
    assert.deepEqual(violations, []);
    assert.equal(outcome, 'connected');
    const { responder, channel } = gateway;
    assert.ok(responder && channel);
    assert.deepEqual(responder.problems, [], 'the gateway saw a correct engine');
    const ike = events.find((e) => e.type === 'sa' && e.kind === 'ike');
    assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
    assert.equal(ike.dhGroup, group);
    const ipsec = events.find((e) => e.type === 'sa' && e.kind === 'ipsec');
    assert.ok(ipsec?.type === 'sa' && ipsec.kind === 'ipsec');
    assert.equal(ipsec.pfsGroup, group);
    // KEYMAT includes g(qm)^xy (RFC 2409 5.5): equal keys mean the PFS exchange agreed
    const [pair] = channel.installed;
    const [mirror] = responder.espSas;
    assert.ok(pair && mirror);
    assert.deepEqual(pair.outbound, mirror.inbound);
    assert.deepEqual(pair.inbound, mirror.outbound);
  });
}
