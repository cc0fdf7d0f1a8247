import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { readModeConfig } from '../../app/engine/exchanges/mode-config-attributes.js';
import {
  readXauthRequest,
  readXauthStatus,
  xauthReplyAttributes,
} from '../../app/engine/exchanges/xauth-attributes.js';
import { tlv, tv } from '../../app/engine/wire/attributes.js';
import { Secret } from '../../app/shared/secret.js';

const ip = (s: string) => Buffer.from(s.split('.').map(Number));

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
