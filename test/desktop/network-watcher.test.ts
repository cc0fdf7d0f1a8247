// The network watcher: a changed set of addresses is reported once, the tunnel's own is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchNetwork } from '../../app/main/service/network-watcher.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
});

test('reports a new address once, ignores loopback and the tunnel interface', async () => {
  let interfaces: Record<string, NetworkInterfaceInfo[]> = {
    lo: [v4('127.0.0.1', true)],
    wlan0: [v4('192.0.2.10')],
  };
  const changes: string[] = [];
  const stop = watchNetwork((change) => changes.push(change), {
    intervalMs: 10,
    ignore: () => new Set(['rw0']),
    read: () => interfaces,
  });
  try {
    await sleep(40);
    assert.deepEqual(changes, []);
    interfaces = { ...interfaces, rw0: [v4('10.99.0.10')] };
    await sleep(40);
    assert.deepEqual(changes, [], 'the tunnel coming up is not a network change');
    interfaces = {
      lo: interfaces.lo ?? [],
      rw0: interfaces.rw0 ?? [],
      wlan0: [v4('198.51.100.7')],
    };
    await sleep(40);
    assert.deepEqual(changes, [
      'the network changed (lost wlan0 192.0.2.10, got wlan0 198.51.100.7)',
    ]);
  } finally {
    stop();
  }
});
