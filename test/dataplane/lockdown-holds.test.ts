// The lockdown's ownership hand-over in a network namespace (root): a session's hold keeps the
// table its first channel set up standing after that channel closes; the next channel takes it
// over with its own gateway; the table goes only when the last share is released. Without a
// hold a channel's close lifts it, as before.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { LockdownHolds } from '../../app/dataplane/lockdown-holds.js';
import { type Lab, withLab } from './netconfig-support/lab.js';

const run = promisify(execFile);
const first = { tunName: 'rw0', gateway: '198.51.100.1', ports: [500, 4500] };
const backup = { ...first, gateway: '198.51.100.2' };

/** the lockdown table's ruleset, or '' when there is none */
async function lockdownTable(lab: Lab): Promise<string> {
  const nft = ['netns', 'exec', lab.ns, 'nft', 'list', 'table', 'inet', 'roadwarrior_lockdown'];
  return run('ip', nft).then(
    (result) => result.stdout,
    () => '',
  );
}

test('a held lockdown outlives its channel and follows the next channel to a backup gateway', () =>
  withLab('lockhold', async (lab, stateDir) => {
    const holds = new LockdownHolds();
    const options = { netns: lab.ns, stateDir };
    const release = holds.hold('rw0', options);
    assert.equal(await lockdownTable(lab), '', 'a hold sets up nothing by itself');

    const firstChannel = await holds.acquire(first, options);
    assert.match(await lockdownTable(lab), /ip daddr 198\.51\.100\.1 udp dport/);
    await firstChannel();
    assert.match(
      await lockdownTable(lab),
      /ip daddr 198\.51\.100\.1 udp dport/,
      'between attempts the table stands',
    );

    const nextChannel = await holds.acquire(backup, options);
    const taken = await lockdownTable(lab);
    assert.match(taken, /ip daddr 198\.51\.100\.2 udp dport \{ 500, 4500 \} accept/);
    assert.doesNotMatch(taken, /198\.51\.100\.1/, 'the old gateway is no longer let through');

    await release();
    assert.notEqual(await lockdownTable(lab), '', 'the open channel still has it');
    await nextChannel();
    assert.equal(await lockdownTable(lab), '', 'the last share lifted it');
    await release(); // twice is harmless
  }));

test('without a hold, the channel that set the lockdown up lifts it on close', () =>
  withLab('locknohold', async (lab, stateDir) => {
    const holds = new LockdownHolds();
    const channel = await holds.acquire(first, { netns: lab.ns, stateDir });
    assert.notEqual(await lockdownTable(lab), '');
    await channel();
    assert.equal(await lockdownTable(lab), '');
  }));
