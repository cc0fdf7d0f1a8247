// A Shrew Soft .vpn with the larger DH groups (RFC 3526 17/18, RFC 5903 21): carried over for
// phase 1 and as the PFS group, ECP included (the PFS setting takes every group we know).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { importShrew } from '../../app/profiles/shrew.js';

const office = readFileSync(
  new URL('../fixtures/profiles/shrew-office.vpn', import.meta.url),
  'latin1',
);

for (const [group, name] of [
  [17, 'modp6144'],
  [18, 'modp8192'],
  [21, 'ecp521'],
] as const) {
  test(`phase1-dhgroup and phase2-pfsgroup ${group} import as ${name}`, () => {
    const text = office
      .replace(/n:phase1-dhgroup:\d+/, `n:phase1-dhgroup:${group}`)
      .replace(/n:phase2-pfsgroup:\d+/, `n:phase2-pfsgroup:${group}`);
    const { profile, notes } = importShrew(Buffer.from(text, 'latin1'), 'office.vpn');
    assert.equal(profile.pfs, name);
    assert.ok(
      profile.ikeProposals.every((p) => p.endsWith(`-${name}`)),
      profile.ikeProposals.join(),
    );
    assert.ok(!notes.some((n) => /group/.test(n.field)), JSON.stringify(notes));
  });
}
