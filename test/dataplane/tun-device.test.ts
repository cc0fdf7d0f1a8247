// The TUN device's contract and failures: platforms, options, a missing addon, and (root,
// inside a namespace per test) lifecycle, names in use, missing privilege or device node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PlatformNotSupportedError,
  type TunStats,
  TunError,
  openTun,
} from '../../app/dataplane/tun/index.js';
import { loadTunAddon } from '../../app/dataplane/tun/native-addon.js';
import { withNetns } from './tun-support/netns.js';

const options = { name: 'rwtun0', mtu: 1400 };

test('macOS and Windows are reported as not supported yet, by a typed error', () => {
  for (const [platform, planned] of [
    ['darwin', /macOS yet \(utun planned\)/],
    ['win32', /Windows yet \(Wintun planned\)/],
    ['freebsd', /not supported on freebsd/],
  ] as const) {
    assert.throws(
      () => openTun(options, platform),
      (error) =>
        error instanceof PlatformNotSupportedError &&
        error instanceof TunError &&
        error.code === 'platform-not-supported' &&
        error.platform === platform &&
        planned.test(error.message),
    );
  }
});

test('unusable names and MTUs are refused before anything is opened', () => {
  for (const bad of [
    { name: 'a-name-of-16-chr', mtu: 1400 },
    { name: 'has space', mtu: 1400 },
    { name: 'a/b', mtu: 1400 },
    { name: 'rw0', mtu: 67 },
    { name: 'rw0', mtu: 65536 },
    { name: 'rw0', mtu: 1400.5 },
  ]) {
    assert.throws(
      () => openTun(bad, 'linux'),
      (error) => error instanceof TunError && error.code === 'invalid-options',
      JSON.stringify(bad),
    );
  }
});

test('a missing addon says how to build it', () => {
  assert.throws(
    () => loadTunAddon('/nonexistent/tun.node'),
    (error) =>
      error instanceof TunError &&
      error.code === 'addon-not-built' &&
      error.message.includes('npx node-gyp rebuild --directory app/dataplane/tun/native'),
  );
});

test('kernel-chosen name, MTU and link up; names in use; close twice; use after close', () =>
  withNetns('life', async (ns) => {
    await ns.exec('ip', 'link', 'add', 'rwveth', 'type', 'veth', 'peer', 'name', 'rwpeer');
    const child = ns.startChild(['lifecycle', 'rwveth']);
    const result = await child.next<{
      name: string;
      link: { mtu: number; flags: string[] };
      takenByTun: string;
      takenByOther: string;
      linkGone: boolean;
      writeAfterClose: boolean;
      writeBatchAfterClose: number;
      stats: TunStats;
    }>();
    assert.match(result.name, /^tun\d+$/);
    assert.equal(result.link.mtu, 1280);
    assert.ok(result.link.flags.includes('UP'));
    assert.equal(result.takenByTun, 'name-in-use');
    assert.equal(result.takenByOther, 'name-in-use');
    assert.equal(result.linkGone, true, 'closing the fd removes the interface');
    assert.equal(result.writeAfterClose, false);
    assert.equal(result.writeBatchAfterClose, 0);
    assert.equal(result.stats.packetsOut, 0);
    assert.equal(result.stats.writeErrors, 0, 'a closed device is not an error per packet');
    assert.equal(await child.exited, 0, 'after close nothing keeps the process alive');
  }));

test('an active read keeps the process alive until unref()', () =>
  withNetns('ref', async (ns) => {
    const child = ns.startChild(['keepalive', 'rwtun0']);
    await child.next();
    const early = await Promise.race([child.exited, sleep(500).then(() => 'running')]);
    assert.equal(early, 'running');
    child.process.kill('SIGUSR2');
    assert.equal(await child.exited, 0);
  }));

test('deleting the interface under a reading device reports an error once and stops', () =>
  withNetns('del', async (ns) => {
    const child = ns.startChild(['deleted', 'rwtun0']);
    await child.next();
    await ns.exec('ip', 'link', 'del', 'rwtun0');
    const { error } = await child.next<{ error: string }>();
    assert.match(error, /rwtun0/);
    assert.equal(await child.exited, 0, 'no busy loop on a dead fd: the process ends');
  }));

test('without CAP_NET_ADMIN the error says so', () =>
  withNetns('perm', async (ns) => {
    const child = ns.startChild(['open', 'rwtun0'], ['setpriv', '--bounding-set=-net_admin']);
    assert.deepEqual(await child.next(), { result: 'permission-denied' });
    assert.equal(await child.exited, 0);
  }));

test('without /dev/net/tun the error says so', () =>
  withNetns('nodev', async (ns) => {
    // a private mount namespace where /dev/net is empty
    const child = ns.startChild(
      ['open', 'rwtun0'],
      ['unshare', '--mount', 'sh', '-c', 'mount -t tmpfs none /dev/net && exec "$@"', 'sh'],
    );
    assert.deepEqual(await child.next(), { result: 'no-tun-device' });
    assert.equal(await child.exited, 0);
  }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
