// The configurator's rtnetlink requests against `ip` itself, in a throw-away namespace (root):
// the same changes leave the same state, the same questions get the same answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rtnetlink, parseMessages } from '../../app/dataplane/netconfig/rtnetlink.js';
import { type Lab, type Snapshot, withLab } from './netconfig-support/lab.js';

/** The veth pair's MACs are random: everything else of two labs' snapshots is comparable. */
async function comparable(lab: Lab): Promise<Snapshot> {
  const snapshot = await lab.snapshot();
  const links = (snapshot.links as Record<string, unknown>[]).map((link) => {
    const { address: _address, broadcast: _broadcast, ...rest } = link;
    return rest;
  });
  return { ...snapshot, links };
}

/** Every change the built-in configurator makes, once with `ip`, once by rtnetlink. */
async function changesByIp(lab: Lab): Promise<void> {
  await lab.ip('link', 'set', 'dev', 'rw0', 'mtu', '1300', 'up');
  await lab.ip('addr', 'add', '198.19.99.1/32', 'dev', 'rw0');
  await lab.ip('route', 'add', '198.51.100.1/32', 'via', '192.0.2.1', 'dev', 'eth0');
  await lab.ip('route', 'add', '198.19.77.0/24', 'dev', 'rw0');
  await lab.ip('route', 'add', '0.0.0.0/1', 'dev', 'rw0');
}

function changesByRtnetlink(lab: Lab): void {
  const netlink = new Rtnetlink(lab.ns);
  netlink.setLinkUp('rw0', 1300);
  netlink.addAddress('rw0', '198.19.99.1', 32);
  netlink.addRoute({ address: '198.51.100.1', prefix: 32 }, { gateway: '192.0.2.1', dev: 'eth0' });
  netlink.addRoute({ address: '198.19.77.0', prefix: 24 }, { dev: 'rw0' });
  netlink.addRoute({ address: '0.0.0.0', prefix: 1 }, { dev: 'rw0' });
}

test('link, address and routes made by rtnetlink are exactly what ip makes', async () => {
  let byIp: unknown;
  await withLab('nl-ip', async (lab) => {
    await changesByIp(lab);
    byIp = await comparable(lab);
  });
  await withLab('nl-nl', async (lab) => {
    const before = await comparable(lab);
    changesByRtnetlink(lab);
    const after = await comparable(lab);
    assert.notDeepEqual(after, before);
    assert.deepEqual(after, byIp);
  });
});

test('link state, route lookups and exact-route checks answer as ip does', () =>
  withLab('nl-query', async (lab) => {
    const netlink = new Rtnetlink(lab.ns);
    await lab.ip('link', 'set', 'dev', 'rw0', 'mtu', '1280', 'up');
    const [link] = await lab.ipJson<Array<{ ifindex: number; mtu: number; flags: string[] }>>(
      'link',
      'show',
      'dev',
      'rw0',
    );
    assert.deepEqual(netlink.link('rw0'), {
      index: link?.ifindex,
      mtu: 1280,
      up: link?.flags.includes('UP'),
    });
    assert.deepEqual(netlink.routeGet('198.51.100.1'), {
      local: false,
      dev: 'eth0',
      gateway: '192.0.2.1',
    });
    assert.deepEqual(netlink.routeGet('192.0.2.7'), { local: false, dev: 'eth0' });
    assert.deepEqual(netlink.routeGet('192.0.2.2'), { local: true, dev: 'lo' });
    const routes = netlink.mainTable();
    assert.equal(routes.has({ address: '192.0.2.0', prefix: 24 }), true);
    assert.equal(routes.has({ address: '192.0.2.0', prefix: 25 }), false);
    assert.equal(routes.has({ address: '0.0.0.0', prefix: 0 }), true, 'the default route');
    assert.equal(routes.has({ address: '198.51.100.1', prefix: 32 }), false);
  }));

test('IPv6: a host route outside, route lookups and exact-route checks answer as ip does', () =>
  withLab('nl-ipv6', async (lab) => {
    await lab.ip('addr', 'add', '2001:db8:2::2/64', 'dev', 'eth0', 'nodad');
    await lab.ip('route', 'add', 'default', 'via', '2001:db8:2::1', 'dev', 'eth0');
    const netlink = new Rtnetlink(lab.ns);
    assert.deepEqual(netlink.routeGet('2001:db8:100::1'), {
      local: false,
      dev: 'eth0',
      gateway: '2001:db8:2::1',
    });
    assert.deepEqual(netlink.routeGet('2001:db8:2::7'), { local: false, dev: 'eth0' });
    const before = netlink.mainTable();
    assert.equal(before.has({ address: '2001:db8:2::', prefix: 64 }), true);
    assert.equal(before.has({ address: '::', prefix: 0 }), true, 'the IPv6 default route');
    assert.equal(before.has({ address: '2001:db8:100::1', prefix: 128 }), false);
    assert.equal(before.has({ address: '192.0.2.0', prefix: 24 }), true, 'IPv4 in the same dump');
    netlink.addRoute(
      { address: '2001:db8:100::1', prefix: 128 },
      { gateway: '2001:db8:2::1', dev: 'eth0' },
    );
    netlink.addAddress('rw0', '2001:db8:99::1', 128);
    const byIp = await lab.ipJson<Array<{ dst: string; gateway: string; dev: string }>>(
      '-6',
      'route',
      'show',
      'exact',
      '2001:db8:100::1/128',
    );
    assert.deepEqual(
      byIp.map(({ dst, gateway, dev }) => ({ dst, gateway, dev })),
      [{ dst: '2001:db8:100::1', gateway: '2001:db8:2::1', dev: 'eth0' }],
    );
    assert.match(await lab.ip('-6', 'addr', 'show', 'dev', 'rw0'), /inet6 2001:db8:99::1\/128/);
    assert.equal(netlink.mainTable().has({ address: '2001:db8:100::1', prefix: 128 }), true);
  }));

test("the kernel's refusals come back as errno errors worded as ip words them", () =>
  withLab('nl-refuse', async (lab) => {
    const netlink = new Rtnetlink(lab.ns);
    const before = await lab.snapshot();
    assert.throws(() => netlink.addRoute({ address: '192.0.2.0', prefix: 24 }, { dev: 'eth0' }), {
      code: 'EEXIST',
      message: 'File exists',
    });
    assert.throws(() => netlink.link('nosuch0'), { code: 'ENODEV', message: 'No such device' });
    await lab.ip('route', 'del', 'default');
    assert.throws(() => netlink.routeGet('198.51.100.1'), {
      code: 'ENETUNREACH',
      message: 'Network is unreachable',
    });
    await lab.ip('route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'eth0');
    assert.deepEqual(await lab.snapshot(), before, 'a refused change changes nothing');
  }));

test('a namespace that does not exist is an error, not this process’s own namespace', () => {
  assert.throws(() => new Rtnetlink('rw-no-such-namespace').link('lo'), { code: 'ENOENT' });
});

/** One netlink message: header (length, type, flags, seq, pid), then `payload`. */
function netlinkMessage(type: number, payload: Buffer, claimedLength?: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(claimedLength ?? 16 + payload.length, 0);
  header.writeUInt16LE(type, 4);
  return Buffer.concat([header, payload]);
}

test('answers whose lengths overrun the bytes there are errors, not short reads', () => {
  const RTM_NEWLINK = 16;
  const NLMSG_OVERRUN = 4;
  const ifinfomsg = Buffer.alloc(16);
  const mtu = Buffer.from([8, 0, 4, 0, 0xdc, 0x05, 0, 0]); // IFLA_MTU 1500
  const [link] = parseMessages(netlinkMessage(RTM_NEWLINK, Buffer.concat([ifinfomsg, mtu])), 16);
  assert.equal(link?.attributes.get(4)?.readUInt32LE(0), 1500);
  assert.deepEqual(parseMessages(netlinkMessage(NLMSG_OVERRUN, Buffer.alloc(4)), 16), []);
  assert.throws(
    () => parseMessages(netlinkMessage(RTM_NEWLINK, ifinfomsg, 64), 16),
    /message at byte 0 overruns/,
  );
  assert.throws(
    () => parseMessages(netlinkMessage(RTM_NEWLINK, Buffer.alloc(8)), 16),
    /message at byte 0 is too short/,
  );
  const overrunningAttribute = Buffer.from([12, 0, 4, 0, 0xdc, 0x05, 0, 0]);
  assert.throws(
    () =>
      parseMessages(
        netlinkMessage(RTM_NEWLINK, Buffer.concat([ifinfomsg, overrunningAttribute])),
        16,
      ),
    /attribute at byte 0 overruns/,
  );
  assert.throws(() => parseMessages(Buffer.alloc(8), 16), /message at byte 0 overruns/);
});
