// Export then import returns the same profile: JSON for every valid profile, .pcf for every
// profile a .pcf can hold (fast-check generates them). What a .pcf cannot hold is listed, and
// a secret leaves only when asked, as a reversible enc_GroupPwd with a warning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Profile, ProfileSchema } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';
import { exportJson, importJson } from '../../app/profiles/json.js';
import { exportPcf, importPcf } from '../../app/profiles/pcf.js';
import { ciscoIkeProposals } from '../../app/profiles/cisco-proposals.js';

const NOW = new Date('2026-03-04T05:06:07Z');
const IMPORTED = { format: 'pcf', file: 'x.pcf', at: NOW.toISOString() } as const;

/** a file never holds a key set to undefined */
function definedOnly(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** text as an INI value holds it: one line, no surrounding white space */
const lineText = (maxLength: number) =>
  fc
    .string({ unit: 'grapheme', maxLength })
    .map((s) => s.replace(/[\r\n]/g, '').trim())
    .filter((s) => s.length > 0);
const host = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.-]{0,30}$/);
const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,30}[A-Za-z0-9]$/);

const pcfProfile: fc.Arbitrary<Profile> = fc
  .record({
    name,
    description: fc.option(lineText(60), { nil: undefined }),
    gateway: host,
    backupGateways: fc.array(host, { maxLength: 4 }),
    group: lineText(40),
    username: fc.option(lineText(40), { nil: undefined }),
    natTraversal: fc.constantFrom('force', 'disabled'),
    dpdDelaySeconds: fc.integer({ min: 0, max: 720 }),
    dhGroup: fc.constantFrom(undefined, 'modp1024', 'modp1536', 'modp2048'),
    lock: fc.subarray([
      'description',
      'gateway',
      'backupGateways',
      'group',
      'username',
      'authMethod',
      'natTraversal',
      'ikeProposals',
      'dpdDelaySeconds',
    ] as const),
  })
  .map(({ dhGroup, lock, ...fields }) => {
    const present = lock.filter(
      (f) =>
        (f !== 'description' || fields.description !== undefined) &&
        (f !== 'username' || fields.username !== undefined) &&
        (f !== 'ikeProposals' || dhGroup !== undefined),
    );
    const locked = ProfileSchema.shape.locked
      .unwrap()
      .element.options.filter(
        (f) => present.includes(f as never) || (f === 'legacy' && present.includes('ikeProposals')),
      );
    return ProfileSchema.parse({
      ...definedOnly(fields),
      ...(dhGroup
        ? { ikeProposals: ciscoIkeProposals(dhGroup), legacy: dhGroup !== 'modp2048' }
        : {}),
      locked,
      importedFrom: IMPORTED,
    });
  });

test('.pcf: export then import returns the same profile', () => {
  fc.assert(
    fc.property(pcfProfile, (profile) => {
      const { bytes, warnings } = exportPcf(profile);
      assert.deepEqual(warnings, [], 'a .pcf holds all of this profile');
      const back = importPcf(bytes, `/some/dir/${profile.name}.pcf`, NOW);
      assert.deepEqual(back.profile, {
        ...profile,
        importedFrom: { format: 'pcf', file: `${profile.name}.pcf`, at: NOW.toISOString() },
      });
      assert.deepEqual(back.secrets, {}, 'no secret unless asked');
      assert.deepEqual(back.notes, []);
    }),
    { numRuns: 300 },
  );
});

const anyProfile: fc.Arbitrary<Profile> = fc
  .record({
    name: lineText(64),
    gateway: host,
    group: lineText(255),
    backupGateways: fc.array(host, { maxLength: 10 }),
    mtu: fc.option(fc.integer({ min: 576, max: 1500 }), { nil: undefined }),
    natTraversal: fc.constantFrom('force', 'auto', 'disabled'),
    legacy: fc.boolean(),
    lockdown: fc.boolean(),
    pfs: fc.constantFrom('auto', 'off', 'modp2048'),
    locked: fc.subarray([...ProfileSchema.shape.locked.unwrap().element.options]),
    splitTunnelOverride: fc.option(fc.array(fc.constantFrom('10.0.0.0/8', '192.168.1.0/24')), {
      nil: undefined,
    }),
  })
  .map((fields) => ProfileSchema.parse({ ...definedOnly(fields), importedFrom: IMPORTED }));

test('JSON: export then import returns the same profile', () => {
  fc.assert(
    fc.property(anyProfile, (profile) => {
      const back = importJson(Buffer.from(exportJson(profile)), 'p.json', NOW);
      assert.deepEqual(back.profile, profile);
    }),
    { numRuns: 300 },
  );
});

test('.pcf: secrets only when asked, reversible and said so', () => {
  const profile = ProfileSchema.parse({ name: 'Office', gateway: 'vpn.example.com', group: 'g' });
  const plain = exportPcf(profile).bytes.toString('latin1');
  assert.doesNotMatch(plain, /GroupPwd/i);
  const withKey = exportPcf(profile, { groupPsk: Secret.fromString('s3cret-key') });
  assert.match(withKey.bytes.toString('latin1'), /\r\nenc_GroupPwd=[0-9A-F]{112}\r\n/);
  assert.doesNotMatch(withKey.bytes.toString('latin1'), /s3cret-key/);
  assert.deepEqual(
    withKey.warnings.map((w) => w.field),
    ['enc_GroupPwd'],
  );
  assert.match(withKey.warnings[0]!.message, /reversible/);
  const back = importPcf(withKey.bytes, 'Office.pcf', NOW);
  assert.equal(back.secrets.groupPsk?.revealString(), 's3cret-key');
});

test('.pcf: what it cannot hold is listed, field by field', () => {
  const profile = ProfileSchema.parse({
    name: 'Lab',
    gateway: 'gw',
    group: 'g',
    mtu: 1400,
    lockdown: true,
    espProposals: ['aes128-sha1'],
    ikeProposals: ['aes256-sha256-modp2048', 'aes128-sha256-ecp256'],
    natTraversal: 'auto',
    locked: ['mtu', 'gateway'],
  });
  const { bytes, warnings } = exportPcf(profile);
  assert.deepEqual(warnings.map((w) => w.field).sort(), [
    'espProposals',
    'ikeProposals',
    'lockdown',
    'mtu',
    'mtu',
    'natTraversal',
  ]);
  const text = bytes.toString('latin1');
  assert.match(text, /^\[main\]\r\n/);
  assert.match(text, /\r\n!Host=gw\r\n/);
  assert.match(text, /\r\nDHGroup=14\r\n/);
});

test('.pcf: Latin-1 where the Cisco client can read it, UTF-8 with a BOM otherwise', () => {
  const latin = ProfileSchema.parse({ name: 'B', gateway: 'gw', group: 'Büro' });
  assert.ok(exportPcf(latin).bytes.includes(Buffer.from('GroupName=B\u00fcro', 'latin1')));
  const wide = ProfileSchema.parse({ name: 'B', gateway: 'gw', group: 'Офис' });
  const bytes = exportPcf(wide).bytes;
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.equal(importPcf(bytes, 'B.pcf', NOW).profile.group, 'Офис');
});

test('.pcf: a method without XAuth goes as its XAuth twin, said so', () => {
  const base = { name: 'Lab', gateway: 'gw', group: 'g', caFile: '/etc/ca.pem' };
  const certificate = ProfileSchema.parse({
    ...base,
    authMethod: 'certificate',
    certificateFile: '/etc/me.pem',
    privateKeyFile: '/etc/me.key',
  });
  const psk = ProfileSchema.parse({ ...base, authMethod: 'psk' });
  for (const [profile, authType, kind] of [
    [certificate, '3', 'certificate'],
    [psk, '1', 'group key'],
  ] as const) {
    const { bytes, warnings } = exportPcf(profile);
    assert.match(bytes.toString('latin1'), new RegExp(`\\r\\nAuthType=${authType}\\r\\n`));
    const said = warnings.find((w) => w.field === 'authMethod');
    assert.equal(
      said?.message,
      `exported as AuthType=${authType} (${kind}): the Cisco client always does XAuth after it`,
    );
  }
});
