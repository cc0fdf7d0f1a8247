import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAB_ADDRESSES, LAB_ADDRESSES6 } from './addresses.js';
import {
  LAB_CONNECTION,
  LAB_POOL,
  LAB_XAUTH_PROFILE,
  gatewayConfig,
  quote,
  strongswanConf,
  swanctlConf,
} from './config.js';
import { LAB_DEFAULTS, resolveLabOptions } from './options.js';
import { LAB_RADIUS } from './radius.js';
import { DEFAULT_ESP_PROPOSALS, DEFAULT_IKE_PROPOSALS } from '../../app/shared/profile.js';

const PATHS = { logFile: '/lab/charon.log', viciSocket: '/lab/run/charon.vici' };

/** `key = value` lines of a config text, trimmed. */
function settings(text: string): string[] {
  return text.split('\n').map((line) => line.trim());
}

function assertBalanced(text: string): void {
  let depth = 0;
  for (const line of settings(text)) {
    if (line.endsWith('{')) depth++;
    if (line === '}') depth--;
    assert.ok(depth >= 0, 'no } without {');
  }
  assert.equal(depth, 0, 'every { is closed');
}

test('strongswan.conf loads kernel-libipsec before kernel-netlink and enables aggressive PSK and Unity', () => {
  const conf = strongswanConf(PATHS);
  assertBalanced(conf);
  const lines = settings(conf);
  const load = lines.find((l) => l.startsWith('load = random'))?.split(' ') ?? [];
  assert.ok(load.includes('kernel-libipsec') && load.includes('kernel-netlink'));
  assert.ok(load.indexOf('kernel-libipsec') < load.indexOf('kernel-netlink'));
  for (const plugin of ['vici', 'xauth-generic', 'unity', 'attr', 'socket-default', 'openssl']) {
    assert.ok(load.includes(plugin), `charon loads ${plugin}`);
  }
  assert.ok(
    !load.includes('resolve'),
    'no resolve plugin: it would rewrite the shared /etc/resolv.conf',
  );
  assert.ok(lines.includes('i_dont_care_about_security_and_use_aggressive_mode_psk = yes'));
  assert.ok(lines.includes('cisco_unity = yes'));
  assert.ok(lines.includes('socket = "unix:///lab/run/charon.vici"'));
  assert.ok(lines.includes('path = "/lab/charon.log"'));
  assert.ok(lines.includes('ike = 2'), 'IKE logging at level 2');
});

test('default swanctl.conf: Cisco-style aggressive PSK + XAuth with a Unity split tunnel', () => {
  const conf = swanctlConf(resolveLabOptions());
  assertBalanced(conf);
  const lines = settings(conf);
  for (const expected of [
    `${LAB_CONNECTION} {`,
    'version = 1',
    'aggressive = yes',
    `local_addrs = ${LAB_ADDRESSES.gateway}, ${LAB_ADDRESSES6.gateway}, ${LAB_ADDRESSES.gatewayBackup}`,
    `proposals = ${LAB_DEFAULTS.ikeProposals.join(', ')}`,
    `esp_proposals = ${LAB_DEFAULTS.espProposals.join(', ')}`,
    `pools = ${LAB_POOL}`,
    'dpd_delay = 30s',
    'dpd_timeout = 90s',
    'auth = psk',
    `id = ${LAB_ADDRESSES.gateway}`,
    'id = "keyid:labgroup"',
    'auth = xauth-generic',
    `local_ts = ${LAB_ADDRESSES.lanNetwork}`,
    'remote_ts = dynamic',
    `addrs = ${LAB_ADDRESSES.pool}`,
    `dns = ${LAB_ADDRESSES.dns}`,
    `nbns = ${LAB_ADDRESSES.nbns}`,
    '28672 = "Welcome to the IKEv1 lab gateway (authorised users only)"',
    '28674 = "corp.lab.example"',
    'secret = "lab-group-secret"',
    'id = "alice"',
    'secret = "alice-secret"',
  ]) {
    assert.ok(lines.includes(expected), `swanctl.conf has "${expected}"`);
  }
  assert.ok(LAB_DEFAULTS.ikeProposals.includes('aes256-sha256-modp2048'));
  assert.ok(LAB_DEFAULTS.ikeProposals.includes('3des-md5-modp1024'));
  assert.ok(!conf.includes('28673') && !conf.includes('28679'), 'no Unity flags unless asked');
  assert.ok(
    !/rekey_time|reauth_time|life_time/.test(conf),
    'strongSwan default lifetimes unless asked',
  );
});

test('gatewayFamily 6: the gateway listens on both families and its ID is its IPv6 address', () => {
  for (const auth of ['psk', 'hybrid'] as const) {
    const pki = { caCert: '/ca.pem', gatewayCert: '/gw.pem', gatewayKey: '/gw.key' };
    const lines = settings(swanctlConf(resolveLabOptions({ gatewayFamily: 6, auth, pki })));
    assert.ok(
      lines.includes(
        `local_addrs = ${LAB_ADDRESSES.gateway}, ${LAB_ADDRESSES6.gateway}, ${LAB_ADDRESSES.gatewayBackup}`,
      ),
    );
    assert.ok(lines.includes(`id = ${LAB_ADDRESSES6.gateway}`), auth);
    assert.ok(!lines.includes(`id = ${LAB_ADDRESSES.gateway}`), auth);
  }
  assert.throws(
    () => resolveLabOptions({ gatewayFamily: 5 as 4 }),
    /gatewayFamily must be 4 or 6, got 5/,
  );
});

test('exchange main: the same connection with aggressive = no, the group still its key ID', () => {
  const lines = settings(swanctlConf(resolveLabOptions({ exchange: 'main' })));
  assert.ok(lines.includes('aggressive = no'));
  assert.ok(!lines.includes('aggressive = yes'));
  assert.ok(lines.includes('id = "keyid:labgroup"'));
});

test('full tunnel, lifetimes, Unity flags and several users', () => {
  const conf = swanctlConf(
    resolveLabOptions({
      splitInclude: false,
      ikeLifetimeSeconds: 600,
      childLifetimeSeconds: 60,
      savePassword: true,
      pfsUnity: true,
      dpdDelaySeconds: 5,
      dpdTimeoutSeconds: 15,
      users: [
        { name: 'alice', password: 'a' },
        { name: 'bob', password: 'b' },
      ],
    }),
  );
  assertBalanced(conf);
  const lines = settings(conf);
  for (const expected of [
    'local_ts = 0.0.0.0/0',
    'rekey_time = 0s',
    'reauth_time = 600s',
    'life_time = 60s',
    'rekey_time = 54s',
    'rand_time = 0s',
    'dpd_delay = 5s',
    'dpd_timeout = 15s',
    '28673 = "\u0001"',
    '28679 = "\u0001"',
    'id = "bob"',
    'secret = "b"',
  ]) {
    assert.ok(lines.includes(expected), `swanctl.conf has "${expected}"`);
  }
  assert.ok(!conf.includes(LAB_ADDRESSES.lanNetwork), 'no split network in full-tunnel mode');
  const passive = swanctlConf(
    resolveLabOptions({ childLifetimeSeconds: 60, childRekeySeconds: 0 }),
  );
  assert.ok(
    settings(passive).includes('rekey_time = 0s'),
    'childRekeySeconds 0: the gateway never rekeys',
  );
});

test('addressPool false: the connection has no address pool', () => {
  const conf = swanctlConf(resolveLabOptions({ addressPool: false }));
  assertBalanced(conf);
  assert.ok(!settings(conf).some((line) => line.startsWith('pools =')));
  assert.ok(settings(swanctlConf(LAB_DEFAULTS)).includes(`pools = ${LAB_POOL}`));
});

test('strings are quoted with the strongSwan lexer escapes', () => {
  assert.equal(quote('plain'), '"plain"');
  assert.equal(quote('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
  assert.throws(() => quote('a\0b'), /NUL/);
  const conf = swanctlConf(
    resolveLabOptions({ banner: 'Say "hi" } # not a comment', groupPsk: 'p#s}k' }),
  );
  assertBalanced(conf);
  assert.ok(settings(conf).includes('28672 = "Say \\"hi\\" } # not a comment"'));
  assert.ok(settings(conf).includes('secret = "p#s}k"'));
});

test('gatewayConfig returns both files', () => {
  const config = gatewayConfig(resolveLabOptions(), PATHS);
  assert.equal(config.strongswanConf, strongswanConf(PATHS));
  assert.equal(config.swanctlConf, swanctlConf(resolveLabOptions()));
});

test('options that would make a broken or misleading config are rejected', () => {
  assert.throws(() => resolveLabOptions({ ikeProposals: [] }), /ikeProposals is empty/);
  assert.throws(
    () => resolveLabOptions({ espProposals: ['aes128-sha1, 3des-md5'] }),
    /not a swanctl proposal/,
  );
  assert.throws(() => resolveLabOptions({ users: [] }), /users is empty/);
  assert.throws(
    () =>
      resolveLabOptions({
        users: [
          { name: 'a', password: '1' },
          { name: 'a', password: '2' },
        ],
      }),
    /duplicate/,
  );
  assert.throws(() => resolveLabOptions({ dpdDelaySeconds: -1 }), /dpdDelaySeconds/);
  assert.throws(() => resolveLabOptions({ childLifetimeSeconds: 1.5 }), /childLifetimeSeconds/);
  assert.throws(
    () => resolveLabOptions({ childLifetimeSeconds: 30, childRekeySeconds: 30 }),
    /below/,
  );
  assert.equal(
    resolveLabOptions({ group: undefined }).group,
    'labgroup',
    'undefined keeps the default',
  );
});

test('extra pool attributes by type number; a type another option sends is refused', () => {
  const lines = settings(
    swanctlConf(resolveLabOptions({ extraAttributes: { 28673: '0.0.0.0', 28680: 'x' } })),
  );
  assert.ok(lines.includes('28673 = "0.0.0.0"'));
  assert.ok(lines.includes('28680 = "x"'));
  assert.throws(
    () => swanctlConf(resolveLabOptions({ savePassword: true, extraAttributes: { 28673: '1' } })),
    /28673 is already sent/,
  );
  assert.throws(
    () => resolveLabOptions({ extraAttributes: { 32768: 'x' } }),
    /'32768' is not an attribute type/,
  );
});

test('backupServers: one Unity BACKUP_SERVERS text value; a lone entry or a bad name is refused', () => {
  const lines = settings(
    swanctlConf(resolveLabOptions({ backupServers: ['198.51.100.3', 'vpn2.corp.example'] })),
  );
  assert.ok(lines.includes('28681 = "198.51.100.3 vpn2.corp.example"'));
  assert.ok(!settings(swanctlConf(resolveLabOptions())).some((l) => l.startsWith('28681 ')));
  assert.throws(
    () =>
      swanctlConf(
        resolveLabOptions({ backupServers: ['a', 'b'], extraAttributes: { 28681: 'x' } }),
      ),
    /28681 is already sent/,
  );
  assert.throws(() => resolveLabOptions({ backupServers: ['198.51.100.3'] }), /two or more/);
  assert.throws(
    () => resolveLabOptions({ backupServers: ['a', 'b c'] }),
    /'b c' is not an IPv4 address or DNS name/,
  );
});

test("the lab head-end accepts every one of the client's default proposals", () => {
  for (const p of DEFAULT_IKE_PROPOSALS) assert.ok(LAB_DEFAULTS.ikeProposals.includes(p), p);
  for (const p of DEFAULT_ESP_PROPOSALS) assert.ok(LAB_DEFAULTS.espProposals.includes(p), p);
});

test('IKE fragmentation options reach both configs, and a fragment size below 68 is refused', () => {
  const options = resolveLabOptions({ fragmentation: 'no', fragmentSize: 300 });
  const config = gatewayConfig(options, PATHS);
  assert.ok(settings(config.strongswanConf).includes('fragment_size = 300'));
  assert.ok(settings(config.swanctlConf).includes('fragmentation = no'));
  assert.ok(
    settings(strongswanConf(PATHS)).includes('fragment_size = 1280'),
    "strongSwan's default",
  );
  assert.throws(
    () => resolveLabOptions({ fragmentSize: 67 }),
    /fragmentSize must be a whole number >= 68/,
  );
});

test('xauthRadius: eap-radius loaded, the lab RADIUS server and the rounds in order, xauth-radius:<profile>', () => {
  const rounds = [
    { type: 'password', message: '' },
    { type: 'passcode', message: 'Enter the "code"' },
  ] as const;
  const config = gatewayConfig(resolveLabOptions({ xauthRadius: [...rounds] }), PATHS);
  assertBalanced(config.strongswanConf);
  const lines = settings(config.strongswanConf);
  assert.ok(
    lines
      .find((l) => l.startsWith('load = '))
      ?.split(' ')
      .includes('eap-radius'),
  );
  const radius = lines.slice(lines.indexOf('eap-radius {'));
  for (const expected of [
    `server = ${LAB_RADIUS.address}`,
    `port = ${LAB_RADIUS.port}`,
    `secret = "${LAB_RADIUS.secret}"`,
    `${LAB_XAUTH_PROFILE} {`,
  ])
    assert.ok(radius.includes(expected), expected);
  // strongSwan asks the rounds in the order of the profile's keys
  assert.deepEqual(
    radius.filter((l) => /^(password|passcode|nextpin|answer) = /.test(l)),
    ['password = ""', 'passcode = "Enter the \\"code\\""'],
  );
  const swanctl = settings(config.swanctlConf);
  assert.ok(swanctl.includes(`auth = xauth-radius:${LAB_XAUTH_PROFILE}`));
  assert.ok(!swanctl.includes('auth = xauth-generic'));
  // without the option: neither the plugin nor its settings
  assert.ok(!strongswanConf(PATHS).includes('eap-radius'));
  assert.throws(() => resolveLabOptions({ xauthRadius: [] }), /xauthRadius is empty/);
  assert.throws(
    () => resolveLabOptions({ xauthRadius: [rounds[1], { ...rounds[1], message: 'again' }] }),
    /names a type twice/,
  );
  assert.throws(
    () =>
      resolveLabOptions({
        xauthRadius: [{ type: 'pin' as 'nextpin', message: '' }],
      }),
    /'pin' is not one of password, passcode, nextpin, answer/,
  );
});
