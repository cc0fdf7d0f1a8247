// IPv6 inside the tunnel in the network set-up: the built-in configurator's plan (the IPv6
// address as a host address, routes for the IPv6 split list or both halves of IPv6), the
// vpnc-script environment and the set-up check; then for real in a namespace (root): a full
// tunnel carrying IPv6 routes it into the TUN instead of blocking it, DNS servers of both
// families go to resolved, and undo leaves the namespace as it was.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { BuiltinConfigurator } from '../../app/dataplane/netconfig/index.js';
import {
  type RouteProbe,
  ipv6Tunnel,
  planChanges,
} from '../../app/dataplane/netconfig/route-plan.js';
import { checkSetup } from '../../app/dataplane/netconfig/setup-check.js';
import { vpncScriptEnvironment } from '../../app/dataplane/netconfig/vpnc-script-env.js';
import { labSetup, loggingResolvectl, split, withLab } from './netconfig-support/lab.js';

const probe: RouteProbe = {
  tunMtu: 1500,
  tunUp: false,
  gatewayPath: { gateway: '192.0.2.1', dev: 'eth0' },
  gatewayRouted: false,
  excludes: [],
};

const ADDRESS6 = 'fd72:77:0:99::2';

const planned = (config: Parameters<typeof labSetup>[1]) =>
  planChanges(labSetup({}, config), probe).changes.map((c) => c.what);

test('IPv6 in the tunnel: its address on the TUN, both halves of IPv6 into it for a full IPv6 tunnel', () => {
  const setup = labSetup({}, { internalIp6: ADDRESS6, splitInclude: [split('10.1.0.0', 16)] });
  assert.equal(ipv6Tunnel(setup), 'full');
  const { changes } = planChanges(setup, probe);
  const what = changes.map((c) => c.what);
  assert.ok(what.includes(`address ${ADDRESS6}/128 on rw0`));
  assert.deepEqual(
    what.filter((w) => w.startsWith('route') && w.includes(':')),
    ['route ::/1 into rw0', 'route 8000::/1 into rw0'],
  );
  const address = changes.find((c) => c.what === `address ${ADDRESS6}/128 on rw0`);
  assert.deepEqual(address?.undo, ['addr', 'del', `${ADDRESS6}/128`, 'dev', 'rw0']);
  const half = changes.find((c) => c.what === 'route 8000::/1 into rw0');
  assert.deepEqual(half?.undo, ['route', 'del', '8000::/1', 'dev', 'rw0']);
});

test('an IPv6 split list: its networks (host bits cleared, once each) and nothing else of IPv6', () => {
  const setup = labSetup(
    {},
    {
      internalIp6: ADDRESS6,
      splitInclude6: [
        { address: 'fd72:77:0:77::1', prefix: 64 },
        { address: 'fd72:77:0:77::', prefix: 64 },
        { address: 'fd72:88::', prefix: 48 },
      ],
    },
  );
  assert.equal(ipv6Tunnel(setup), 'split');
  assert.deepEqual(
    planChanges(setup, probe)
      .changes.map((c) => c.what)
      .filter((w) => w.startsWith('route') && w.includes(':')),
    ['route fd72:77:0:77::/64 into rw0', 'route fd72:88::/48 into rw0'],
  );
});

test('no IPv6 address: no IPv6 address or route, whatever else the gateway sent', () => {
  const what = planned({ splitInclude6: [{ address: 'fd72:88::', prefix: 48 }] });
  assert.ok(!what.some((w) => w.includes(':')), what.join('; '));
  assert.equal(ipv6Tunnel(labSetup({}, {})), 'none');
});

test('vpnc-script: INTERNAL_IP6_ADDRESS / NETMASK / DNS and the IPv6 split list as openconnect exports them', () => {
  const env = vpncScriptEnvironment(
    'connect',
    labSetup(
      { skipDns: false },
      {
        internalIp6: ADDRESS6,
        dns6: ['fd72:77:0:77::53'],
        splitInclude6: [{ address: 'fd72:77:0:77::', prefix: 64 }],
      },
    ),
  );
  assert.equal(env['INTERNAL_IP6_ADDRESS'], ADDRESS6);
  assert.equal(env['INTERNAL_IP6_NETMASK'], `${ADDRESS6}/128`);
  assert.equal(env['INTERNAL_IP6_DNS'], 'fd72:77:0:77::53');
  assert.equal(env['CISCO_IPV6_SPLIT_INC'], '1');
  assert.equal(env['CISCO_IPV6_SPLIT_INC_0_ADDR'], 'fd72:77:0:77::');
  assert.equal(env['CISCO_IPV6_SPLIT_INC_0_MASKLEN'], '64');
  const ipv4Only = vpncScriptEnvironment('connect', labSetup({}, {}));
  assert.ok(!Object.keys(ipv4Only).some((key) => key.includes('IP6') || key.includes('IPV6')));
});

test('the set-up check refuses IPv6 values that are not IPv6', () => {
  for (const config of [
    { internalIp6: '10.0.0.1' },
    { internalIp6: ADDRESS6, dns6: ['not an address'] },
    { internalIp6: ADDRESS6, splitInclude6: [{ address: 'fd00::', prefix: 129 }] },
  ])
    assert.throws(() => checkSetup(labSetup({}, config)), /IPv6/, JSON.stringify(config));
  checkSetup(labSetup({}, { internalIp6: ADDRESS6, dns6: ['fd72:77:0:77::53'] }));
});

test('a full tunnel carrying IPv6: IPv6 routed into the TUN (not blocked), DNS of both families, all undone', () =>
  withLab('v6in', async (lab, stateDir) => {
    await lab.ip('-6', 'addr', 'add', '2001:db8:1::2/64', 'dev', 'eth0', 'nodad');
    await lab.ip('-6', 'route', 'add', 'default', 'via', '2001:db8:1::1', 'dev', 'eth0');
    const snapshot = async () =>
      JSON.stringify([
        await lab.ipJson('-6', 'addr', 'show'),
        await lab.ipJson('-6', 'route', 'show', 'table', 'all'),
      ]);
    const before = await snapshot();
    const routeOf = async (destination: string) =>
      (
        await lab.ipJson<Array<{ dev?: string; prefsrc?: string }>>(
          '-6',
          'route',
          'get',
          destination,
        )
      )[0];
    const { resolvectl, log } = await loggingResolvectl(stateDir);
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir, resolvectl });
    const applied = await configurator.apply(
      labSetup(
        { skipDns: false },
        { splitInclude: [], internalIp6: ADDRESS6, dns6: ['fd72:77:0:77::53'] },
      ),
    );
    const route = await routeOf('2001:db8:99::1');
    assert.equal(route?.dev, 'rw0', 'all of IPv6 goes into the tunnel');
    assert.equal(route?.prefsrc, ADDRESS6, 'from the tunnel address');
    assert.equal((await routeOf('2001:db8:1::77'))?.dev, 'eth0', 'the on-link IPv6 LAN stays');
    assert.ok(!applied.changes.some((c) => c.includes('unreachable')), applied.changes.join('; '));
    assert.equal(applied.warnings, undefined);
    const dns = (await readFile(log, 'utf8')).split('\n').filter((l) => l.startsWith('dns'));
    assert.deepEqual(dns, ['dns rw0 198.19.77.53 fd72:77:0:77::53']);
    await configurator.undo();
    assert.equal(await snapshot(), before, 'no IPv6 address or route of the tunnel remains');
  }));
