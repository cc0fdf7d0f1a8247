import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import {
  modeConfigRequestAttributes,
  readModeConfig,
} from '../../app/engine/exchanges/mode-config-attributes.js';
import {
  readXauthRequest,
  readXauthStatus,
  xauthReplyAttributes,
} from '../../app/engine/exchanges/xauth-attributes.js';
import { tlv, tv } from '../../app/engine/wire/attributes.js';
import { NetworkSetupSchema } from '../../app/shared/helper-protocol.js';
import {
  type AttributeKind,
  MODE_CONFIG_ATTRIBUTES,
  ModeCfgAttr,
  emptyModeConfig,
} from '../../app/shared/mode-config-attributes.js';
import { ipv6ToBytes } from '../../app/shared/net6.js';
import { Secret } from '../../app/shared/secret.js';

const ip = (s: string) => Buffer.from(s.split('.').map(Number));
const ip6 = (s: string) => Buffer.from(ipv6ToBytes(s));

test('Mode Config reply as strongSwan sends it (capture frame 9 values)', () => {
  const { result, ignored } = readModeConfig([
    tlv(1, ip('198.19.99.1')),
    tlv(3, ip('198.19.77.53')),
    tlv(4, ip('198.19.77.54')),
    tlv(28672, Buffer.from('Welcome to the IKEv1 lab gateway (authorised users only)')),
    tlv(28674, Buffer.from('corp.lab.example')),
    tlv(28676, Buffer.from('c6134d00ffffff00000000000000', 'hex')),
    tlv(28680, Buffer.alloc(0)),
  ]);
  assert.equal(result.internalIp4, '198.19.99.1');
  assert.equal(result.internalIp4Netmask, undefined, 'strongSwan sends no netmask');
  assert.deepEqual(result.dns, ['198.19.77.53']);
  assert.deepEqual(result.nbns, ['198.19.77.54']);
  assert.equal(result.defaultDomain, 'corp.lab.example');
  assert.equal(result.banner, 'Welcome to the IKEv1 lab gateway (authorised users only)');
  assert.deepEqual(result.splitInclude, [
    {
      network: { address: '198.19.77.0', prefix: 24 },
      protocol: 0,
      sourcePort: 0,
      destinationPort: 0,
    },
  ]);
  assert.deepEqual(ignored, [28680]);
});

test('Mode Config: several split entries, local LAN, C strings, flags, broken entries skipped', () => {
  const split = Buffer.concat([
    Buffer.from('0a000000ff000000000000000000', 'hex'),
    Buffer.from('ac100000ff0f0000000000000000', 'hex'), // non-contiguous mask: skipped
    Buffer.from('c0a80101ffffffff000600000016', 'hex'),
  ]);
  const { result } = readModeConfig([
    tlv(28676, split),
    tlv(28678, Buffer.from('c0a80000ffff0000000000000000', 'hex')),
    tlv(28674, Buffer.from('corp.example\0')),
    tlv(28675, Buffer.from('corp.example,lab.example')),
    tv(28673, 1),
    tv(28679, 0),
    tlv(28681, Buffer.from('gw2.example gw3.example')),
    tlv(1, Buffer.alloc(3)), // wrong length: ignored, not a crash
  ]);
  assert.deepEqual(
    result.splitInclude.map(
      (s) => `${s.network.address}/${s.network.prefix}:${s.protocol}:${s.destinationPort}`,
    ),
    ['10.0.0.0/8:0:0', '192.168.1.1/32:6:22'],
  );
  assert.equal(result.splitExclude[0]?.network.address, '192.168.0.0');
  assert.equal(result.defaultDomain, 'corp.example');
  assert.deepEqual(result.splitDns, ['corp.example', 'lab.example']);
  assert.equal(result.savePassword, true);
  assert.equal(result.pfs, false);
  assert.deepEqual(result.backupServers, ['gw2.example', 'gw3.example']);
  assert.equal(result.internalIp4, undefined);
});

/** One value of each kind as the gateway sends it, and what the decoder makes of it: a row of
 * a kind listed here is tested by the table tests below without a word more. */
const SAMPLES: Record<AttributeKind, { bytes: Buffer; value: unknown }> = {
  ipv4: { bytes: ip('10.1.2.3'), value: '10.1.2.3' },
  'ipv4-list': { bytes: ip('10.1.2.4'), value: ['10.1.2.4'] },
  ipv6: { bytes: ip6('fd00:10::7'), value: 'fd00:10::7' },
  'ipv6-list': { bytes: ip6('fd00:10::53'), value: ['fd00:10::53'] },
  'ipv6-networks': {
    bytes: Buffer.concat([ip6('fd00:20::'), Buffer.from([64])]),
    value: [{ address: 'fd00:20::', prefix: 64 }],
  },
  seconds: { bytes: Buffer.from([0, 0, 0x0e, 0x10]), value: 3600 },
  flag: { bytes: Buffer.from([0, 1]), value: true },
  text: { bytes: Buffer.from('Authorised users only\0'), value: 'Authorised users only' },
  'dns-name': { bytes: Buffer.from('corp.example\0'), value: 'corp.example' },
  'dns-names': { bytes: Buffer.from('a.example, b.example'), value: ['a.example', 'b.example'] },
  'host-names': { bytes: Buffer.from('gw2.example gw3'), value: ['gw2.example', 'gw3'] },
  'split-networks': {
    bytes: Buffer.from('0a010000ffff0000000000000000', 'hex'),
    value: [
      {
        network: { address: '10.1.0.0', prefix: 16 },
        protocol: 0,
        sourcePort: 0,
        destinationPort: 0,
      },
    ],
  },
};

test('the table: the CFG_REQUEST asks for each of its attributes, empty, then our version', () => {
  const request = modeConfigRequestAttributes('Roadwarrior 1.2', true);
  assert.deepEqual(
    request.map((a) => a.type),
    [...MODE_CONFIG_ATTRIBUTES.map((row) => row.type), ModeCfgAttr.ApplicationVersion],
  );
  // profile ipv6: off asks for no IPv6 attribute
  const ipv4Only = modeConfigRequestAttributes('Roadwarrior 1.2', false).map((a) => a.type);
  assert.deepEqual(ipv4Only, [
    ...MODE_CONFIG_ATTRIBUTES.filter((row) => !('ipv6' in row)).map((row) => row.type),
    ModeCfgAttr.ApplicationVersion,
  ]);
  for (const type of [ModeCfgAttr.InternalIp6Address, ModeCfgAttr.InternalIp6Dns])
    assert.ok(!ipv4Only.includes(type) && request.some((a) => a.type === type));
  for (const attr of request.slice(0, -1)) assert.deepEqual(attr, tlv(attr.type, Buffer.alloc(0)));
  assert.deepEqual(
    request.at(-1),
    tlv(ModeCfgAttr.ApplicationVersion, Buffer.from('Roadwarrior 1.2')),
  );
});

test('the table: each attribute fills its field with a value of its kind, and the helper schema takes it', () => {
  const types = new Set<number>();
  for (const row of MODE_CONFIG_ATTRIBUTES) {
    assert.ok(!types.has(row.type), `type ${row.type} is in the table once`);
    types.add(row.type);
    const sample = SAMPLES[row.kind];
    const { result, ignored } = readModeConfig([tlv(row.type, sample.bytes)]);
    assert.deepEqual(ignored, [], `${row.field} (${row.ref})`);
    assert.deepEqual(result, { ...emptyModeConfig(), [row.field]: sample.value }, row.field);
    const setup = {
      tunName: 'rw0',
      mtu: 1400,
      gateway: '192.0.2.1',
      config: result,
      script: 'none',
    };
    assert.ok(NetworkSetupSchema.safeParse(setup).success, `the helper takes ${row.field}`);
  }
  // the schema knows exactly the table's fields
  const setup = {
    tunName: 'rw0',
    mtu: 1400,
    gateway: '192.0.2.1',
    config: { ...emptyModeConfig(), notInTheTable: 1 },
    script: 'none',
  };
  assert.ok(!NetworkSetupSchema.safeParse(setup).success, 'a field the table lacks is refused');
  assert.deepEqual(
    Object.keys(emptyModeConfig()).sort(),
    MODE_CONFIG_ATTRIBUTES.filter((r) => Array.isArray(SAMPLES[r.kind].value))
      .map((r) => r.field)
      .sort(),
    'every list field starts empty',
  );
});

test('the Unity backup-servers list reaches the result', () => {
  const { result } = readModeConfig([tlv(28681, Buffer.from('gw2.example,gw3.example\0'))]);
  assert.deepEqual(result.backupServers, ['gw2.example', 'gw3.example']);
});

test('XAuth: request fields, reply attributes, missing values, status', () => {
  const request = [
    tv(16520, 0),
    tlv(16521, Buffer.alloc(0)),
    tlv(16522, Buffer.alloc(0)),
    tlv(16524, Buffer.from('Enter your token\0')),
  ];
  const question = readXauthRequest(request, 1, 'alice');
  assert.deepEqual(question, {
    round: 1,
    xauthType: 'generic',
    fields: ['username', 'password'],
    message: 'Enter your token',
    username: 'alice',
  });
  const reply = xauthReplyAttributes(request, {
    username: 'alice',
    password: Secret.fromString('s3cret'),
  });
  assert.deepEqual(reply.missing, []);
  assert.deepEqual(reply.attributes, [
    tv(16520, 0),
    tlv(16521, Buffer.from('alice')),
    tlv(16522, Buffer.from('s3cret')),
  ]);
  assert.deepEqual(xauthReplyAttributes(request, { username: 'alice' }).missing, ['password']);
  assert.equal(readXauthStatus([tv(16527, 1)]), 'ok');
  assert.equal(readXauthStatus([tv(16527, 0)]), 'fail');
  assert.equal(readXauthStatus([]), 'absent');
  assert.equal(
    readXauthRequest([tv(16520, 2), tlv(16523, Buffer.alloc(0))], 2, undefined).xauthType,
    'otp',
  );
});

test('a Secret never prints', () => {
  const secret = Secret.fromString('hunter2');
  assert.equal(`${secret}`, '[secret]');
  assert.equal(JSON.stringify({ secret }), '{"secret":"[secret]"}');
  assert.ok(!inspect({ secret }).includes('hunter2'));
  assert.equal(secret.revealString(), 'hunter2');
});

test('IPv6 attributes: an address with the prefix byte strongSwan appends, wrong lengths and prefixes left out', () => {
  const { result, ignored } = readModeConfig([
    tlv(ModeCfgAttr.InternalIp6Address, Buffer.concat([ip6('fd00:10::8'), Buffer.from([64])])),
    tlv(ModeCfgAttr.InternalIp6Dns, ip6('fd00:10::53')),
    // a 17-byte DNS server and a 15-byte one are no addresses
    tlv(ModeCfgAttr.InternalIp6Dns, Buffer.concat([ip6('fd00:10::54'), Buffer.from([64])])),
    tlv(ModeCfgAttr.InternalIp6Dns, ip6('fd00:10::55').subarray(1)),
    // host bits cleared; a prefix over 128 is no network
    tlv(ModeCfgAttr.InternalIp6Subnet, Buffer.concat([ip6('fd00:20::1'), Buffer.from([48])])),
    tlv(ModeCfgAttr.InternalIp6Subnet, Buffer.concat([ip6('fd00:30::'), Buffer.from([129])])),
  ]);
  assert.deepEqual(ignored, []);
  assert.equal(result.internalIp6, 'fd00:10::8');
  assert.deepEqual(result.dns6, ['fd00:10::53']);
  assert.deepEqual(result.splitInclude6, [{ address: 'fd00:20::', prefix: 48 }]);
  const short = readModeConfig([tlv(ModeCfgAttr.InternalIp6Address, ip6('fd00::1').subarray(2))]);
  assert.equal(short.result.internalIp6, undefined);
});
