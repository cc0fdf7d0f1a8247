// Mode Config checked for meaning before the network is touched: no unusable addresses, no
// loopback or multicast in the tunnel, the gateway's own route never taken, a 0.0.0.0 netmask
// ignored, and nothing the helper's schema would refuse (so a gateway cannot fail a connect
// that goes through the helper by sending too much).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../app/engine/api.js';
import { meaningfulModeConfig } from '../../app/engine/mode-config-meaning.js';
import { NetworkSetupSchema } from '../../app/shared/helper-protocol.js';
import {
  ATTRIBUTE_KINDS,
  MODE_CONFIG_ATTRIBUTES,
  type ModeConfigResult,
} from '../../app/shared/mode-config-attributes.js';

const GATEWAY = '198.51.100.1';
const split = (address: string, prefix: number) => ({
  network: { address, prefix },
  protocol: 0,
  sourcePort: 0,
  destinationPort: 0,
});

function modeConfig(values: Partial<ModeConfigResult> = {}): ModeConfigResult {
  return {
    internalIp4: '10.99.0.7',
    dns: [],
    nbns: [],
    dns6: [],
    splitInclude6: [],
    splitDns: [],
    splitInclude: [],
    splitExclude: [],
    backupServers: [],
    ...values,
  };
}

test('an internal address no host can use ends the connect with modecfg-no-address', () => {
  for (const address of ['0.0.0.0', '127.0.0.1', '224.0.0.5', '255.255.255.255']) {
    assert.throws(
      () => meaningfulModeConfig(modeConfig({ internalIp4: address }), GATEWAY),
      (error: unknown) =>
        error instanceof EngineError &&
        error.code === 'modecfg-no-address' &&
        error.message.includes(address),
    );
  }
});

test('DNS and WINS servers on loopback, 0.0.0.0 or multicast are left out and named', () => {
  const { config, dropped } = meaningfulModeConfig(
    modeConfig({
      dns: ['127.0.0.53', '0.0.0.0', '224.0.0.251', '10.0.0.53'],
      nbns: ['127.0.0.1', '10.0.0.54'],
    }),
    GATEWAY,
  );
  assert.deepEqual(config.dns, ['10.0.0.53']);
  assert.deepEqual(config.nbns, ['10.0.0.54']);
  assert.deepEqual(dropped, [
    'DNS servers 127.0.0.53, 0.0.0.0, 224.0.0.251',
    'WINS servers 127.0.0.1',
  ]);
});

test('split networks: the gateway itself, loopback and multicast never go into the tunnel', () => {
  const { config, dropped } = meaningfulModeConfig(
    modeConfig({
      splitInclude: [
        split(GATEWAY, 32),
        split('127.0.0.0', 8),
        split('224.0.0.0', 4),
        // contains the gateway: kept, the data plane's /32 route keeps the gateway outside
        split('198.51.100.0', 24),
        split('10.0.0.0', 8),
      ],
      splitExclude: [split('0.0.0.0', 0), split('127.0.0.0', 8), split('192.168.1.0', 24)],
    }),
    GATEWAY,
  );
  assert.deepEqual(
    config.splitInclude.map((e) => e.network),
    [
      { address: '198.51.100.0', prefix: 24 },
      { address: '10.0.0.0', prefix: 8 },
    ],
  );
  assert.deepEqual(
    config.splitExclude.map((e) => e.network),
    [{ address: '192.168.1.0', prefix: 24 }],
  );
  assert.deepEqual(dropped, [
    'split networks 198.51.100.1/32, 127.0.0.0/8, 224.0.0.0/4',
    'Local LAN networks 0.0.0.0/0, 127.0.0.0/8',
  ]);
});

test('a 0.0.0.0 netmask is ignored: it would turn a split tunnel into a full one', () => {
  const { config, dropped } = meaningfulModeConfig(
    modeConfig({ internalIp4Netmask: '0.0.0.0' }),
    GATEWAY,
  );
  assert.equal(config.internalIp4Netmask, undefined);
  assert.deepEqual(dropped, ['netmask 0.0.0.0']);
  const kept = meaningfulModeConfig(modeConfig({ internalIp4Netmask: '255.255.255.0' }), GATEWAY);
  assert.equal(kept.config.internalIp4Netmask, '255.255.255.0');
});

test('what the helper would refuse is trimmed: long lists, bad names, a huge banner', () => {
  const hostile = modeConfig({
    dns: Array.from({ length: 300 }, (_, i) => `10.1.${i >> 8}.${i & 255 || 1}`),
    splitInclude: Array.from({ length: 600 }, (_, i) => split(`10.2.${i >> 8}.${i & 255}`, 32)),
    splitDns: ['corp.example', 'bad name', 'x\ny'],
    defaultDomain: 'corp example',
    banner: 'b'.repeat(20_000),
    backupServers: ['gw2.example', 'g'.repeat(300)],
  });
  const setup = (config: ModeConfigResult) => ({
    tunName: 'rw0',
    mtu: 1400,
    gateway: GATEWAY,
    config,
    script: 'builtin' as const,
  });
  assert.equal(NetworkSetupSchema.safeParse(setup(hostile)).success, false);
  const { config, dropped } = meaningfulModeConfig(hostile, GATEWAY);
  assert.equal(NetworkSetupSchema.safeParse(setup(config)).success, true);
  assert.equal(config.dns.length, 256);
  assert.equal(config.splitInclude.length, 256);
  assert.deepEqual(config.splitDns, ['corp.example']);
  assert.equal(config.defaultDomain, undefined);
  assert.equal(config.banner?.length, 16 * 1024);
  assert.deepEqual(config.backupServers, ['gw2.example']);
  assert.ok(dropped.includes('DNS servers: 44 beyond the first 256'));
  assert.ok(dropped.includes('split networks: 344 beyond the first 256'));
});

/** 300 values of each list kind, each one usable: a list field of the table gets these. */
const MANY: Record<string, (i: number) => unknown> = {
  'ipv4-list': (i) => `10.1.${i >> 8}.${(i & 255) + 1 > 254 ? 1 : (i & 255) + 1}`,
  'ipv6-list': (i) => `fd00:53::${i + 1}`,
  'ipv6-networks': (i) => ({ address: `fd00:${i + 1}::`, prefix: 64 }),
  'dns-names': (i) => `h${i}.corp.example`,
  'host-names': (i) => `gw${i}.example`,
  'split-networks': (i) => split(`10.2.${i >> 8}.${i & 255}`, 32),
};

test('every list field of the table is trimmed to what the helper takes, by rule or by kind', () => {
  for (const row of MODE_CONFIG_ATTRIBUTES) {
    if (!ATTRIBUTE_KINDS[row.kind].list) continue;
    const make = MANY[row.kind];
    assert.ok(make, `a sample for kind ${row.kind}`);
    const config = modeConfig({ [row.field]: Array.from({ length: 300 }, (_, i) => make(i)) });
    const { config: kept } = meaningfulModeConfig(config, GATEWAY);
    const list = kept[row.field] as unknown[] | undefined;
    assert.equal(list?.length, 256, row.field);
    const setup = { tunName: 'rw0', mtu: 1400, gateway: GATEWAY, config: kept, script: 'none' };
    assert.ok(NetworkSetupSchema.safeParse(setup).success, `the helper takes ${row.field}`);
  }
});

test('a field with no rule of its own is held to its kind: a value outside it is dropped', () => {
  const { config, dropped } = meaningfulModeConfig(
    modeConfig({ addressExpirySeconds: -5, pfs: true }),
    GATEWAY,
  );
  assert.equal(config.addressExpirySeconds, undefined);
  assert.equal(config.pfs, true);
  assert.ok(dropped.includes('addressExpirySeconds -5'));
});

test('IPv6: loopback, multicast and unspecified servers and networks dropped; an unusable address leaves IPv4 only; ipv6 off drops it all', () => {
  const sent = modeConfig({
    internalIp6: 'fd00:99::7',
    dns6: ['fd00:99::53', '::1', 'ff02::1'],
    splitInclude6: [
      { address: 'fd00:10::', prefix: 64 },
      { address: 'ff00::', prefix: 8 },
      { address: '::', prefix: 0 },
    ],
  });
  const { config, dropped } = meaningfulModeConfig(sent, GATEWAY);
  assert.equal(config.internalIp6, 'fd00:99::7');
  assert.deepEqual(config.dns6, ['fd00:99::53']);
  // ::/0 is all of IPv6, as 0.0.0.0/0 is all of IPv4
  assert.deepEqual(config.splitInclude6, [
    { address: 'fd00:10::', prefix: 64 },
    { address: '::', prefix: 0 },
  ]);
  assert.ok(dropped.includes('IPv6 DNS servers ::1, ff02::1'), dropped.join('; '));
  assert.ok(dropped.includes('IPv6 split networks ff00::/8'), dropped.join('; '));

  for (const address of ['::1', '::', 'ff05::2', '::ffff:10.0.0.1']) {
    const { config: v4, dropped: why } = meaningfulModeConfig(
      modeConfig({ internalIp6: address }),
      GATEWAY,
    );
    assert.equal(v4.internalIp6, undefined, address);
    assert.equal(v4.internalIp4, '10.99.0.7');
    assert.ok(
      why.some((w) => w.includes(address)),
      address,
    );
  }

  const off = meaningfulModeConfig(sent, GATEWAY, false);
  assert.equal(off.config.internalIp6, undefined);
  assert.deepEqual([off.config.dns6, off.config.splitInclude6], [[], []]);
  assert.ok(off.dropped.some((w) => w.includes('fd00:99::7') && w.includes('ipv6 off')));
});
