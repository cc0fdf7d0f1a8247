// A Shrew Soft .vpn whose identity is an address (ident-client-type address): an IPv4 one is
// identity type ipv4, an IPv6 one ipv6 (sent as ID_IPV6_ADDR, RFC 2407 4.6.2.1).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { importShrew } from '../../app/profiles/shrew.js';

const office = readFileSync(
  new URL('../fixtures/profiles/shrew-office.vpn', import.meta.url),
  'latin1',
);

for (const [address, idType] of [
  ['192.0.2.7', 'ipv4'],
  ['2001:db8::7', 'ipv6'],
] as const)
  test(`ident-client-type address ${address} imports as identity type ${idType}`, () => {
    const text = office
      .replace(/s:ident-client-type:\S+/, 's:ident-client-type:address')
      .replace(/s:ident-client-data:\S+/, `s:ident-client-data:${address}`);
    const { profile } = importShrew(Buffer.from(text, 'latin1'), 'office.vpn');
    assert.equal(profile.idType, idType);
    assert.equal(profile.group, address);
  });
