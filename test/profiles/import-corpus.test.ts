// The import corpus: .pcf and .vpn files written for the tests (Windows line endings, Latin-1,
// `!` locks, unknown keys, truncated and malformed files), each beside its expected profile,
// secrets and notes, or its expected errors (`NAME.expected.json`; a profile there lists what
// the import set, the rest being the schema's defaults).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importProfileBytes, MAX_PROFILE_BYTES } from '../../app/profiles/import-file.js';
import { ProfileFileError } from '../../app/profiles/import-result.js';
import { decodePcfPassword } from '../../app/profiles/pcf-password.js';
import { decodeProfileText, splitLines } from '../../app/profiles/text.js';
import { ProfileSchema } from '../../app/shared/profile.js';
import { ciscoEncode } from './cisco-encoder.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));
const NOW = new Date('2026-01-01T00:00:00Z');
const files = readdirSync(FIXTURES).filter((f) => /\.(pcf|vpn)$/.test(f));

type Expected =
  { profile: unknown; secrets: Record<string, string>; notes: string[] } | { errors: string[] };

function importFixture(name: string) {
  return importProfileBytes(readFileSync(join(FIXTURES, name)), join(FIXTURES, name), NOW);
}

test('the corpus has Windows line endings, Latin-1, locks, errors of every kind', () => {
  const raw = (name: string) => readFileSync(join(FIXTURES, name));
  assert.ok(raw('office-latin1-crlf.pcf').includes('\r\n'));
  assert.ok(raw('office-latin1-crlf.pcf').includes(Buffer.from('ü', 'latin1')));
  assert.ok(raw('branch-utf8-lf.pcf').includes(Buffer.from('ö', 'utf8')));
  assert.ok(!raw('truncated.pcf').toString().endsWith('\n'), 'cut off mid-line');
  assert.ok(files.length >= 14);
});

for (const name of files) {
  test(`import ${name}`, () => {
    const expected = JSON.parse(
      readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8'),
    ) as Expected;
    if ('errors' in expected) {
      assert.throws(
        () => importFixture(name),
        (error: unknown) => {
          assert.ok(error instanceof ProfileFileError);
          assert.equal(error.file, join(FIXTURES, name), 'the error names the file');
          assert.deepEqual(
            error.problems.map((p) => `${p.field}: ${p.message}`),
            expected.errors,
          );
          return true;
        },
      );
      return;
    }
    const imported = importFixture(name);
    // the expected files list what the import set; every other field has its default
    assert.deepEqual(imported.profile, ProfileSchema.parse(expected.profile));
    assert.deepEqual(
      Object.fromEntries(Object.entries(imported.secrets).map(([k, v]) => [k, v.revealString()])),
      expected.secrets,
    );
    assert.deepEqual(
      imported.notes.map((n) => `${n.field}: ${n.message}`),
      expected.notes,
    );
  });
}

/** keys each importer carries into a profile field or a secret */
const CARRIED = {
  pcf: /^(description|host|authtype|groupname|grouppwd|enc_grouppwd|username|saveuserpassword|userpassword|enc_userpassword|enablebackup|backupserver|enablenat|tunnelingmode|dhgroup|peertimeout|enablesplitdns|tcptunnelingport)$/,
  vpn: /^(version|network-host|network-ike-port|network-mtu-size|network-natt-mode|network-natt-port|network-dpd-enable|network-frag-mode|client-addr-auto|client-dns-(used|auto|suffix-auto)|client-splitdns-(used|auto)|client-banner-enable|client-saved-username|auth-method|auth-mutual-psk|ident-client-type|ident-client-data|phase1-(exchange|cipher|keylen|hash|dhgroup|life-secs|life-kbytes)|phase2-(transform|keylen|hmac|pfsgroup|life-secs|life-kbytes)|ipcomp-transform|policy-list-(auto|include))$/,
};

test('nothing is silently dropped: every setting in a file is carried over or listed', () => {
  for (const name of files) {
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8'));
    if ('errors' in expected) continue;
    const format = name.endsWith('.pcf') ? 'pcf' : 'vpn';
    const noted = new Set(importFixture(name).notes.map((n) => n.field.toLowerCase()));
    const lines = splitLines(decodeProfileText(readFileSync(join(FIXTURES, name))));
    for (const line of lines) {
      const [key, value] =
        format === 'pcf'
          ? (/^!?([^=;[]+)=(.*)$/.exec(line.trim())?.slice(1) ?? [])
          : (/^[snb]:([^:]+):(.*)$/.exec(line.trim())?.slice(1) ?? []);
      if (key === undefined || value === undefined || value === '' || value === '0') continue;
      const id = key.trim().toLowerCase();
      assert.ok(
        CARRIED[format].test(id) || noted.has(id),
        `${name}: ${key}=${value} is neither carried over nor listed`,
      );
    }
  }
});

test('enc_GroupPwd: the corpus vectors come from the test encoder, the app decodes them', () => {
  const h1 = '00112233445566778899aabbccddeeff00010203';
  const vector = ciscoEncode('lab-group-secret', h1);
  const office = readFileSync(join(FIXTURES, 'office-latin1-crlf.pcf'), 'latin1');
  assert.ok(office.includes(`enc_GroupPwd=${vector}`), 'the fixture holds this vector');
  assert.equal(decodePcfPassword(vector), 'lab-group-secret');
  // H1's last byte 0xff: the +1 and +3 wrap around
  const wrap = ciscoEncode('Grüße über alles', 'ffeeddccbbaa99887766554433221100fffefdff');
  assert.equal(decodePcfPassword(wrap), 'Grüße über alles');
  for (const length of [0, 1, 7, 8, 9, 63]) {
    const secret = 'x'.repeat(length);
    assert.equal(decodePcfPassword(ciscoEncode(secret, h1).toLowerCase()), secret);
  }
});

test('enc_GroupPwd: damaged values are refused, saying what is wrong', () => {
  const good = ciscoEncode('secret', '0102030405060708090a0b0c0d0e0f1011121314');
  assert.throws(() => decodePcfPassword(good.slice(0, -1)), /even number of hex digits/);
  assert.throws(() => decodePcfPassword(good.slice(0, -2)), /whole 8-byte blocks/);
  assert.throws(() => decodePcfPassword(good.slice(0, 80)), /whole 8-byte blocks/);
  const flipped = `${good.slice(0, 20)}${good[20] === 'A' ? 'B' : 'A'}${good.slice(21)}`;
  assert.throws(() => decodePcfPassword(flipped), /padding|checksum/);
  const badHash = `${good.slice(0, 40)}${good[40] === 'A' ? 'B' : 'A'}${good.slice(41)}`;
  assert.throws(() => decodePcfPassword(badHash), /checksum/);
});

test('a very large file: refused over the limit before parsing, read in full under it', () => {
  const head = '[main]\r\nHost=vpn.example.com\r\nGroupName=staff\r\n';
  const comment = `; ${'padding '.repeat(12)}\r\n`;
  const under = Buffer.from(
    head +
      comment.repeat(Math.floor((MAX_PROFILE_BYTES - 200) / comment.length)) +
      'DHGroup=14\r\n',
    'latin1',
  );
  const big = importProfileBytes(under, 'big.pcf', NOW);
  assert.equal(big.profile.ikeProposals[0], 'aes256-sha1-modp2048', 'the last line was read');
  const over = Buffer.concat([under, Buffer.alloc(1024, 0x3b)]);
  assert.throws(
    () => importProfileBytes(over, 'huge.pcf', NOW),
    /huge\.pcf: size: \d+ bytes: expected at most/,
  );
});

test('an unknown extension and binary junk are refused naming the file', () => {
  assert.throws(
    () => importProfileBytes(Buffer.from('x'), 'office.txt', NOW),
    /office\.txt: file name: expected a \.pcf/,
  );
  assert.throws(
    () => importProfileBytes(Buffer.from([0, 1, 2, 0xff, 0xfe]), 'junk.vpn', NOW),
    (error: unknown) =>
      error instanceof ProfileFileError && /junk\.vpn: line 1/.test(error.message),
  );
});
