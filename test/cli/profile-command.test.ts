// `roadwarrior profile ...` as a user runs it: import, list, show, export, remove, validate,
// schema; managed profiles refused where they must be; `connect --profile` refusing to change
// a locked field. No keychain here (no session bus): said once, nothing saved, nothing leaks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_ENTRY } from '../support/cli-process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));
let root: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'rw-profile-cli-'));
  await mkdir(join(root, 'managed'));
  const { DBUS_SESSION_BUS_ADDRESS: _bus, DISPLAY: _display, ...rest } = process.env;
  env = {
    ...rest,
    XDG_CONFIG_HOME: join(root, 'config'),
    ROADWARRIOR_MANAGED_PROFILES: join(root, 'managed'),
  };
});
after(() => rm(root, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI_ENTRY, ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

test('import a .pcf with no keychain: saved without its secret, said once, listed', async () => {
  const run = await cli(
    'profile',
    'import',
    join(FIXTURES, 'office-latin1-crlf.pcf'),
    '--name',
    'Office',
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^imported "Office" from .*office-latin1-crlf\.pcf$/m);
  assert.equal(run.stderr.match(/No keychain available/g)?.length, 1, 'said once');
  assert.match(run.stderr, /group key in .* was not saved: it will be asked for when connecting/);
  assert.match(run.stderr, /EnableMSLogon: not carried over/);
  const dir = join(root, 'config', 'roadwarrior', 'profiles');
  for (const name of await readdir(dir)) {
    const text = await readFile(join(dir, name), 'utf8');
    assert.ok(!text.includes('lab-group-secret'), `no secret in ${name}`);
  }
  const list = await cli('profile', 'list');
  assert.equal(list.stdout, 'Office\tvpn.example.com\tstaff\t(5 locked)\n');
});

test('show marks locked fields; export gives JSON and .pcf, secrets only with a .pcf', async () => {
  const show = await cli('profile', 'show', 'Office');
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^gateway: vpn\.example\.com {2}\[locked\]$/m);
  assert.match(show.stdout, /^username: jürgen$/m);
  assert.match(show.stdout, /^# imported from office-latin1-crlf\.pcf \(pcf\)/m);
  assert.match(show.stdout, /^# group key: asked when connecting$/m, 'no keychain here');

  const json = await cli('profile', 'export', 'Office', '--format', 'json');
  assert.equal(JSON.parse(json.stdout).backupGateways[1], '192.0.2.7');
  const output = join(root, 'Office.pcf');
  const pcf = await cli('profile', 'export', 'Office', '--format', 'pcf', '--output', output);
  assert.equal(pcf.code, 0, pcf.stderr);
  const text = await readFile(output, 'latin1');
  assert.match(
    text,
    /^\[main\]\r\nDescription=Büro München - Zentrale\r\n!Host=vpn\.example\.com\r\n/,
  );
  assert.doesNotMatch(text, /GroupPwd/);
  const refused = await cli('profile', 'export', 'Office', '--format', 'json', '--include-secrets');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--include-secrets needs --format pcf/);
  const noKey = await cli('profile', 'export', 'Office', '--format', 'pcf', '--include-secrets');
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /no group key is saved for "Office" \(no keychain\)/);
});

test('validate: one line per problem, exit 1 when a file cannot be used', async () => {
  const bad = await cli(
    'profile',
    'validate',
    join(FIXTURES, 'tcp-tunnel.pcf'),
    join(FIXTURES, 'truncated.pcf'),
    join(FIXTURES, 'shrew-malformed.vpn'),
  );
  assert.equal(bad.code, 1);
  const lines = bad.stdout.trim().split('\n');
  assert.deepEqual(
    lines.map((l) => l.replace(FIXTURES, '')),
    [
      'tcp-tunnel.pcf: ok ("tcp-tunnel")',
      'tcp-tunnel.pcf: TunnelingMode: not carried over: IPsec over TCP is not supported; NAT-T (UDP 4500) is used',
      'truncated.pcf: GroupName: missing: expected the IPsec group name',
      'truncated.pcf: enc_GroupPwd: expected an even number of hex digits',
      'shrew-malformed.vpn: phase1-dhgroup: expected a number, found "fourteen"',
      'shrew-malformed.vpn: line 3: expected TYPE:KEY:VALUE with TYPE s, n or b, found "this is not a setting"',
    ],
  );
  const good = await cli('profile', 'validate', join(FIXTURES, 'shrew-office.vpn'));
  assert.equal(good.code, 0);
  const json = join(root, 'typo.json');
  await writeFile(json, JSON.stringify({ name: 'T', gateway: 'gw', group: 'g', mut: 1400 }));
  const typo = await cli('profile', 'validate', json);
  assert.equal(typo.code, 1);
  assert.match(typo.stdout, /typo\.json: mut: unknown field/);
});

test('schema: the JSON Schema of a profile file', async () => {
  const run = await cli('profile', 'schema');
  assert.equal(run.code, 0);
  const schema = JSON.parse(run.stdout);
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(schema.required, ['name', 'gateway', 'group']);
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.properties.locked.items.enum.includes('gateway'));
  assert.ok('backupGateways' in schema.properties && 'importedFrom' in schema.properties);
});

test('managed profiles: listed, not removable, not shadowed, locked fields refused by connect', async () => {
  await writeFile(
    join(root, 'managed', 'HQ.json'),
    JSON.stringify({
      name: 'HQ',
      gateway: 'vpn.corp.example',
      group: 'staff',
      locked: ['gateway'],
    }),
  );
  await writeFile(join(root, 'managed', 'HQ.key'), 'hq-admin-key\n', { mode: 0o640 });
  const list = await cli('profile', 'list');
  assert.match(list.stdout, /^HQ\tvpn\.corp\.example\tstaff\t\(managed, 1 locked\)$/m);
  const show = await cli('profile', 'show', 'HQ');
  assert.match(show.stdout, /^# managed by your administrator: .*HQ\.json \(read-only\)$/m);
  assert.match(show.stdout, /^# group key: the administrator's key file$/m);
  assert.ok(!show.stdout.includes('hq-admin-key'), 'never displayed');
  const remove = await cli('profile', 'remove', 'HQ');
  assert.equal(remove.code, 1);
  assert.match(remove.stderr, /"HQ" is managed by your administrator .* cannot be removed/);
  const shadow = await cli('profile', 'import', join(FIXTURES, 'tcp-tunnel.pcf'), '--name', 'HQ');
  assert.equal(shadow.code, 1);
  assert.match(
    shadow.stderr,
    /"HQ" is the name of a profile managed by your administrator.*\(import it under another with --name NAME\)/,
  );
  const connect = await cli('connect', '--profile', 'HQ', '--gateway', 'evil.example');
  assert.equal(connect.code, 1);
  assert.match(
    connect.stderr,
    /HQ\.json: gateway is locked in profile "HQ": --gateway cannot change it/,
  );
});

test('remove keeps the last version aside; unknown actions are usage errors', async () => {
  const run = await cli('profile', 'remove', 'Office');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /kept as Office\.json\.bak/);
  assert.equal((await cli('profile', 'show', 'Office')).code, 1);
  const usage = await cli('profile', 'frobnicate');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /unknown action "frobnicate"/);
});
