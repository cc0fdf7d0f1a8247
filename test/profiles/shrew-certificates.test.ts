// Shrew Soft .vpn files with certificates: mutual-rsa (certificates alone: the client key then
// picks RSA or ECDSA, RFC 4754), mutual-rsa-xauth and hybrid-rsa-xauth become the certificate,
// xauth-rsa and hybrid methods; absolute certificate paths are carried over as the profile's PEM
// files, others are named for the user to set; our identity is then the certificate's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ProfileFileError } from '../../app/profiles/import-result.js';
import { importShrew } from '../../app/profiles/shrew.js';

const office = readFileSync(
  new URL('../fixtures/profiles/shrew-office.vpn', import.meta.url),
  'latin1',
);

const withAuth = (method: string, extra: string, idType = 'asn1dn') =>
  Buffer.from(
    office
      .replace('s:auth-method:mutual-psk-xauth', `s:auth-method:${method}\n${extra}`)
      .replace('s:ident-client-type:keyid', `s:ident-client-type:${idType}`),
    'latin1',
  );

const CERTS = [
  's:auth-server-cert:/etc/vpn/ca.pem',
  's:auth-client-cert:/etc/vpn/alice.pem',
  's:auth-client-key:C:\\Users\\alice\\alice.key',
].join('\n');

for (const [method, authMethod] of [
  ['mutual-rsa', 'certificate'],
  ['mutual-rsa-xauth', 'xauth-rsa'],
] as const) {
  test(`${method} imports as ${authMethod}: PEM paths carried over, our identity the certificate's`, () => {
    const { profile, notes } = importShrew(withAuth(method, CERTS), 'office.vpn');
    assert.equal(profile.authMethod, authMethod);
    assert.equal(profile.caFile, '/etc/vpn/ca.pem');
    assert.equal(profile.certificateFile, '/etc/vpn/alice.pem');
    assert.equal(profile.privateKeyFile, undefined, 'a Windows path is not carried over');
    const noteOf = (field: string) => notes.find((n) => n.field === field)?.message ?? '';
    assert.match(noteOf('auth-client-key'), /set privateKeyFile .*C:\\Users\\alice\\alice\.key/);
    assert.match(noteOf('auth-server-cert'), /must be PEM \(/);
    assert.match(noteOf('auth-client-cert'), /must be PEM or PKCS#12/);
    assert.match(noteOf('ident-client-type'), /subjectAltName/);
    assert.equal(profile.idType, 'key-id', 'the asn1dn identity type is not refused');
  });
}

test('hybrid-rsa-xauth imports as hybrid with the CA only; a group-key hybrid is refused', () => {
  const { profile, notes } = importShrew(
    withAuth('hybrid-rsa-xauth', 's:auth-server-cert:/etc/vpn/ca.pem', 'keyid'),
    'office.vpn',
  );
  assert.equal(profile.authMethod, 'hybrid');
  assert.equal(profile.caFile, '/etc/vpn/ca.pem');
  assert.equal(profile.group, 'roadies', 'hybrid names the group as with a group key');
  assert.ok(!notes.some((n) => n.field === 'auth-client-cert'), 'no client certificate asked');
  assert.throws(
    () => importShrew(withAuth('hybrid-grp-xauth', ''), 'office.vpn'),
    (error: unknown) =>
      error instanceof ProfileFileError && /auth-method/.test(JSON.stringify(error)),
  );
});
