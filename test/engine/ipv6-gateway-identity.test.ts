// A gateway over IPv6: which address of a name is used, and addresses as IKE identities
// (RFC 2407 4.6.2.1: ID_IPV4_ADDR = 1, four octets; ID_IPV6_ADDR = 5, sixteen octets, both in
// network byte order).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../app/engine/api.js';
import {
  addressIdentity,
  describeId,
  ourIdentity,
} from '../../app/engine/exchanges/phase1-parts.js';
import { preferredAddress, resolveGateway } from '../../app/engine/gateway-address.js';
import { ProfileSchema } from '../../app/shared/profile.js';

const ID_IPV4_ADDR = 1;
const ID_IPV6_ADDR = 5;

const profile = (group: string, idType: 'ipv4' | 'ipv6') =>
  ProfileSchema.parse({ name: 'v6', gateway: 'fd72:77:0:100::1', group, idType });

test('an IPv6 address is ID_IPV6_ADDR with its sixteen octets; an IPv4 one ID_IPV4_ADDR', () => {
  assert.deepEqual(addressIdentity('fd72:77:0:100::1'), {
    idType: ID_IPV6_ADDR,
    data: Buffer.from('fd720077000001000000000000000001', 'hex'),
  });
  assert.deepEqual(addressIdentity('2001:DB8:0:0:0:0:0:A'), {
    idType: ID_IPV6_ADDR,
    data: Buffer.from('20010db800000000000000000000000a', 'hex'),
  });
  assert.deepEqual(addressIdentity('198.51.100.1'), {
    idType: ID_IPV4_ADDR,
    data: Buffer.from([198, 51, 100, 1]),
  });
  for (const notAnAddress of ['gw.example', '198.51.100', 'fd72::1::2', ''])
    assert.equal(addressIdentity(notAnAddress), undefined, notAnAddress);
});

test('the gateway’s ID_IPV6_ADDR reads as RFC 5952 text; a wrong length is not taken for one', () => {
  const id = { idType: ID_IPV6_ADDR, data: Buffer.from('fd720077000001000000000000000001', 'hex') };
  assert.equal(describeId(id), 'fd72:77:0:100::1');
  assert.equal(
    describeId({ idType: ID_IPV4_ADDR, data: Buffer.from([192, 0, 2, 7]) }),
    '192.0.2.7',
  );
  assert.equal(describeId({ idType: ID_IPV6_ADDR, data: Buffer.from('abc') }), 'abc');
});

test('identity type ipv6 sends the group as ID_IPV6_ADDR; a group of the other family is refused', () => {
  assert.deepEqual(ourIdentity(profile('2001:db8::7', 'ipv6')), {
    idType: ID_IPV6_ADDR,
    data: Buffer.from('20010db8000000000000000000000007', 'hex'),
  });
  assert.deepEqual(ourIdentity(profile('192.0.2.7', 'ipv4')), {
    idType: ID_IPV4_ADDR,
    data: Buffer.from([192, 0, 2, 7]),
  });
  for (const [group, idType] of [
    ['192.0.2.7', 'ipv6'],
    ['2001:db8::7', 'ipv4'],
    ['labgroup', 'ipv4'],
  ] as const)
    assert.throws(
      () => ourIdentity(profile(group, idType)),
      (e: unknown) =>
        e instanceof EngineError &&
        e.code === 'config-invalid' &&
        e.message.includes(`the identity type is ${idType}`),
    );
});

test('a name with A and AAAA records connects over IPv4; an AAAA-only name over IPv6', () => {
  const a = { address: '198.51.100.1', family: 4 };
  const aaaa = { address: 'fd72:77:0:100::1', family: 6 };
  assert.equal(preferredAddress([aaaa, a]), '198.51.100.1');
  assert.equal(preferredAddress([a, aaaa]), '198.51.100.1');
  assert.equal(preferredAddress([aaaa]), 'fd72:77:0:100::1');
  assert.equal(preferredAddress([]), undefined);
});

test('an IPv6 literal is the gateway as written, without a lookup', async () => {
  assert.equal(await resolveGateway('fd72:77:0:100::1'), 'fd72:77:0:100::1');
  assert.equal(await resolveGateway('198.51.100.1'), '198.51.100.1');
});
