// IPv6 inside the tunnel, in memory against the gateway double: Mode Config's
// INTERNAL_IP6_ADDRESS / INTERNAL_IP6_DNS (draft-dukes-ike-mode-cfg 3.3) lead to a second
// Quick Mode with IPv6 IDs (RFC 2407 4.6.2) and a second ESP SA pair, and the network set-up
// carries both families. A gateway that refuses the IPv6 Quick Mode leaves IPv4 up with a
// warning; a profile with ipv6 off asks for no IPv6 at all.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import type { EngineEvent } from '../../app/shared/events.js';
import { eventText, tunnelDetails } from '../../app/shared/ui/event-text.js';
import {
  DOI_IPSEC,
  ExchangeType,
  IdType,
  NotifyType,
  PayloadType,
  ProtocolId,
} from '../../app/engine/wire/constants.js';
import type { IdBody } from '../../app/engine/wire/payloads.js';
import { selectorId, selectorOf } from '../../app/engine/exchanges/quick-mode-parts.js';
import { EngineError } from '../../app/engine/api.js';
import { type AfterConnectPhase, runEngineCase } from './support/engine-case.js';
import type { Tamper } from './support/fake-responder.js';

const VIRTUAL_IP6 = 'fd00:99::7';
const DNS6 = 'fd00:99::53';

/** Our IDci of a Quick Mode message 2 (the double echoes our IDs): an IPv6 one? */
const asksIpv6 = (payloads: readonly { type: number; body: unknown }[]) =>
  payloads.some(
    (p) =>
      p.type === PayloadType.Identification &&
      [IdType.Ipv6Addr, IdType.Ipv6AddrSubnet].includes((p.body as IdBody).idType as 5 | 6),
  );

/** A gateway with an IPv6 pool but no IPv6 policy: it refuses the IPv6 Quick Mode as
 * strongSwan does, INVALID-ID-INFORMATION in an informational exchange of its own. */
const refusingIpv6: Tamper = (step, message, tools) => {
  if ((step !== 'qm2' && step !== 'rekey-qm2') || !asksIpv6(tools.payloads) || !tools.seal)
    return [{ packet: message }];
  const refusal = {
    type: PayloadType.Notification,
    body: {
      doi: DOI_IPSEC,
      protocolId: ProtocolId.Esp,
      notifyType: NotifyType.InvalidIdInformation,
      spi: Buffer.alloc(0),
      data: Buffer.alloc(0),
    },
  };
  return [{ packet: tools.seal(ExchangeType.Informational, randomInt(1, 0xffffffff), [refusal]) }];
};

async function dualStack(
  options: {
    profile?: { ipv6?: 'auto' | 'off' };
    tamper?: Tamper;
    silenceDropped?: boolean;
    phases?: AfterConnectPhase[];
    firstIkeLifetimeSeconds?: number;
  } = {},
) {
  const result = await runEngineCase({
    ikeProposal: 'aes128-sha256-modp2048',
    espProposal: 'aes128gcm16',
    profile: options.profile ?? {},
    responder: {
      virtualIp6: VIRTUAL_IP6,
      dns6: [DNS6],
      ...(options.tamper ? { tamper: options.tamper } : {}),
      ...(options.silenceDropped ? { silenceDropped: true } : {}),
      ...(options.firstIkeLifetimeSeconds
        ? { firstIkeLifetimeSeconds: options.firstIkeLifetimeSeconds }
        : {}),
    },
    phases: options.phases ?? [],
  });
  assert.deepEqual(result.violations, []);
  assert.equal(result.outcome, 'connected');
  const channel = result.gateway.channel;
  assert.ok(channel);
  return { ...result, channel };
}

const networkEvent = (events: EngineEvent[]) => {
  const network = events.find((e) => e.type === 'network');
  assert.ok(network?.type === 'network');
  return network;
};

test('an IPv6 address from Mode Config: a second ESP SA for IPv6, and both families configured', async () => {
  const { channel, events } = await dualStack();
  assert.equal(channel.installed.length, 2);
  const [ipv4, ipv6] = channel.installed;
  assert.deepEqual(ipv4?.selectors, {
    local: [{ address: '10.99.0.7', prefix: 32 }],
    remote: [{ address: '0.0.0.0', prefix: 0 }],
  });
  assert.deepEqual(ipv6?.selectors, {
    local: [{ address: VIRTUAL_IP6, prefix: 128 }],
    remote: [{ address: '::', prefix: 0 }],
  });
  assert.notEqual(ipv4?.inbound.spi, ipv6?.inbound.spi);
  const [setup] = channel.configured;
  assert.equal(setup?.config.internalIp6, VIRTUAL_IP6);
  assert.deepEqual(setup?.config.dns6, [DNS6]);
  // the gateway kept ::/0: all of IPv6 goes into the tunnel, as no IPv4 split list means all
  assert.deepEqual(setup?.config.splitInclude6, []);
  const network = networkEvent(events);
  assert.equal(network.internalIp6, VIRTUAL_IP6);
  assert.deepEqual(network.dns6, [DNS6]);
  const installs = events.filter((e) => e.type === 'sa' && e.kind === 'ipsec');
  assert.equal(installs.length, 2);
  // worded for the CLI and the desktop's tunnel card
  assert.match(eventText(network, 'info') ?? '', /; IPv6 fd00:99::7, DNS fd00:99::53, all IPv6\n$/);
  const rows = tunnelDetails(network, undefined, 0).rows;
  assert.equal(rows.find((r) => r.key === 'virtual-ip6')?.text, VIRTUAL_IP6);
  assert.equal(rows.find((r) => r.key === 'dns')?.text, `10.99.0.53, ${DNS6}`);
  assert.equal(rows.find((r) => r.key === 'split-networks6')?.text, 'all IPv6 traffic');
  assert.ok(!events.some((e) => e.type === 'warning' && e.code === 'ipv6-refused'));
});

test('a gateway that refuses the IPv6 Quick Mode leaves IPv4 up, with a warning', async () => {
  const { channel, events } = await dualStack({ tamper: refusingIpv6 });
  assert.equal(channel.installed.length, 1);
  assert.equal(channel.installed[0]?.selectors.local[0]?.address, '10.99.0.7');
  const warning = events.find((e) => e.type === 'warning' && e.code === 'ipv6-refused');
  assert.ok(warning?.type === 'warning');
  assert.match(warning.message, /fd00:99::7/);
  assert.match(warning.message, /IPv4 only/);
  // no IPv6 configured without an IPv6 SA (a full tunnel then blocks IPv6 beside it)
  const [setup] = channel.configured;
  assert.equal(setup?.config.internalIp6, undefined);
  assert.deepEqual(setup?.config.dns6, []);
  assert.equal(networkEvent(events).internalIp6, undefined);
});

test('a gateway that never answers the IPv6 Quick Mode leaves IPv4 up, with a warning', async () => {
  const silentOnIpv6: Tamper = (step, message, tools) =>
    (step === 'qm2' || step === 'rekey-qm2') && asksIpv6(tools.payloads)
      ? []
      : [{ packet: message }];
  const { channel, events } = await dualStack({ tamper: silentOnIpv6, silenceDropped: true });
  assert.equal(channel.installed.length, 1);
  const warning = events.find((e) => e.type === 'warning' && e.code === 'ipv6-refused');
  assert.ok(warning?.type === 'warning');
  assert.match(warning.message, /never answered/);
  assert.match(warning.message, /IPv4 only/);
  // the IPv4 SA showed the gateway alive: 3 sends, not the messenger's budget (4 here, 6 by
  // default: 31.5 s before 'connected')
  assert.match(warning.message, /after 3 tries over/);
});

test('profile ipv6 off: one ESP SA, the gateway IPv6 configuration unused', async () => {
  const { channel } = await dualStack({ profile: { ipv6: 'off' } });
  assert.equal(channel.installed.length, 1);
  assert.equal(channel.configured[0]?.config.internalIp6, undefined);
});

test('each family is rekeyed, expired and replaced on its own', async () => {
  // client-rekey and client-expiry act on the newest SA installed: the IPv6 one
  const { channel, gateway } = await dualStack({
    phases: ['client-rekey', 'client-expiry', 'gateway-rekey'],
  });
  const families = channel.installed.map((sa) =>
    sa.selectors.local[0]?.address.includes(':') ? 6 : 4,
  );
  // IPv4, IPv6; the IPv6 one rekeyed, then expired and replaced; the gateway rekeys IPv4
  assert.deepEqual(families, [4, 6, 6, 6, 4]);
  assert.deepEqual(gateway.responder?.problems, []);
});

test('IPv6 selectors as ID payloads (RFC 2407 4.6.2): a host as ID_IPV6_ADDR, a network as address and mask', () => {
  const host = selectorId({ address: VIRTUAL_IP6, prefix: 128 });
  assert.equal(host.idType, IdType.Ipv6Addr);
  assert.equal(host.data.toString('hex'), 'fd000099000000000000000000000007');
  const lan = selectorId({ address: 'fd00:20::5', prefix: 64 });
  assert.equal(lan.idType, IdType.Ipv6AddrSubnet);
  assert.equal(
    lan.data.toString('hex'),
    'fd000020000000000000000000000000' + 'ffffffffffffffff0000000000000000',
  );
  assert.deepEqual(selectorOf(lan), { address: 'fd00:20::', prefix: 64 });
  assert.deepEqual(selectorOf(host), { address: VIRTUAL_IP6, prefix: 128 });
  assert.deepEqual(selectorOf(selectorId({ address: '::', prefix: 0 })), {
    address: '::',
    prefix: 0,
  });
  // a mask with a hole, or the wrong length, is no selector
  const holed = { ...lan, data: Buffer.from(lan.data) };
  holed.data[20] = 0;
  assert.throws(() => selectorOf(holed), EngineError);
  assert.throws(() => selectorOf({ ...host, data: host.data.subarray(1) }), EngineError);
});

test('a re-authentication makes both SAs again under the new IKE SA', async () => {
  const { channel, gateway } = await dualStack({
    phases: ['reauthenticate'],
    firstIkeLifetimeSeconds: 2,
  });
  const families = channel.installed.map((sa) =>
    sa.selectors.local[0]?.address.includes(':') ? 6 : 4,
  );
  assert.deepEqual(families, [4, 6, 4, 6]);
  assert.equal(gateway.responder?.ikeSaCount, 2);
  assert.deepEqual(gateway.responder?.problems, []);
});
