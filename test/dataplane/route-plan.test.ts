// The built-in configurator's plan, without a namespace: what a 0.0.0.0 netmask, a split
// network around the gateway and a public LOCAL_LAN entry turn into.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RouteProbe, planChanges } from '../../app/dataplane/netconfig/route-plan.js';
import { labSetup, split } from './netconfig-support/lab.js';

const probe = (excludes: RouteProbe['excludes'] = []): RouteProbe => ({
  tunMtu: 1500,
  tunUp: false,
  gatewayPath: { gateway: '192.0.2.1', dev: 'eth0' },
  gatewayRouted: false,
  excludes,
});

test('a 0.0.0.0 netmask adds no 0.0.0.0/0 route: the split tunnel stays split', () => {
  const { changes } = planChanges(
    labSetup({}, { internalIp4Netmask: '0.0.0.0', splitInclude: [split('10.1.0.0', 16)] }),
    probe(),
  );
  assert.deepEqual(
    changes.filter((c) => c.change.kind === 'route').map((c) => c.what),
    [
      'gateway route 198.51.100.1/32 via 192.0.2.1 dev eth0 outside the tunnel',
      'route 10.1.0.0/16 into rw0',
    ],
  );
});

test('a split network around the gateway: the gateway route outside the tunnel comes first', () => {
  const { changes } = planChanges(
    labSetup({}, { splitInclude: [split('198.51.100.0', 24)] }),
    probe(),
  );
  const routes = changes.filter((c) => c.change.kind === 'route').map((c) => c.what);
  assert.deepEqual(routes, [
    'gateway route 198.51.100.1/32 via 192.0.2.1 dev eth0 outside the tunnel',
    'route 198.51.100.0/24 into rw0',
  ]);
});

test('LOCAL_LAN: private or on-link networks stay outside, public ones via a router do not', () => {
  const { changes, notes } = planChanges(
    labSetup({}, {}),
    probe([
      {
        network: { address: '192.168.7.0', prefix: 24 },
        path: { gateway: '192.0.2.1', dev: 'eth0' },
        routed: false,
      },
      { network: { address: '192.0.2.128', prefix: 25 }, path: { dev: 'eth0' }, routed: false },
      {
        network: { address: '8.8.8.0', prefix: 24 },
        path: { gateway: '192.0.2.1', dev: 'eth0' },
        routed: false,
      },
    ]),
  );
  const routes = changes.filter((c) => c.what.startsWith('excluded')).map((c) => c.what);
  assert.deepEqual(routes, [
    'excluded route 192.168.7.0/24 via 192.0.2.1 dev eth0 outside the tunnel',
    'excluded route 192.0.2.128/25 dev eth0 outside the tunnel',
  ]);
  assert.deepEqual(notes, ['excluded 8.8.8.0/24 ignored: neither a private network nor on-link']);
});

test('an IPv6 gateway keeps a /128 route outside the tunnel (beside an IPv4 tunnel too)', () => {
  const setup = labSetup({ gateway: 'fd72:77:0:100::1' });
  const { changes } = planChanges(setup, {
    ...probe(),
    gatewayPath: { gateway: 'fe80::1', dev: 'eth0' },
  });
  const gateway = changes.find((c) => c.what.startsWith('gateway'));
  assert.deepEqual(gateway?.change, {
    kind: 'route',
    network: { address: 'fd72:77:0:100::1', prefix: 128 },
    path: { gateway: 'fe80::1', dev: 'eth0' },
  });
  assert.deepEqual(gateway.undo, [
    'route',
    'del',
    'fd72:77:0:100::1/128',
    'via',
    'fe80::1',
    'dev',
    'eth0',
  ]);
  const { notes } = planChanges(setup, { ...probe(), gatewayRouted: true });
  assert.ok(notes.includes('route to gateway fd72:77:0:100::1/128 exists already: kept as is'));
});
