// Lockdown's nftables table in a network namespace (root): while it stands, only loopback, the
// TUN and the gateway's IKE/NAT-T ports are let out; removing it, or cleanupStale() after its
// process died, leaves no table behind. (The real-lab test is test/interop/lockdown.test.ts.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Lockdown, cleanupStale } from '../../app/dataplane/netconfig/index.js';
import { lockdownRuleset } from '../../app/dataplane/netconfig/lockdown.js';
import { type Lab, withLab } from './netconfig-support/lab.js';

const run = promisify(execFile);
const SPEC = { tunName: 'rw0', gateway: '198.51.100.1', ports: [500, 4500] };

async function tables(lab: Lab): Promise<string> {
  return (await run('ip', ['netns', 'exec', lab.ns, 'nft', 'list', 'tables'])).stdout;
}

/** A UDP datagram from inside the namespace: 'sent' or the error the kernel gave. */
async function sendUdp(lab: Lab, host: string, port: number): Promise<string> {
  const script = `const s=require('node:dgram').createSocket('udp4');s.send('x',${port},'${host}',(e)=>{console.log(e?e.code:'sent');s.close()})`;
  const { stdout } = await run('ip', ['netns', 'exec', lab.ns, process.execPath, '-e', script]);
  return stdout.trim();
}

test('lockdown lets out only loopback, the TUN and the gateway IKE/NAT-T ports', () =>
  withLab('lock', async (lab, stateDir) => {
    const lockdown = new Lockdown({ netns: lab.ns, stateDir });
    assert.equal(await sendUdp(lab, '192.0.2.1', 53), 'sent', 'open before');
    await lockdown.apply(SPEC);
    try {
      assert.match(await tables(lab), /table inet roadwarrior_lockdown/);
      assert.equal(await sendUdp(lab, '192.0.2.1', 53), 'EPERM', 'DNS outside: refused');
      assert.equal(await sendUdp(lab, '198.51.100.1', 53), 'EPERM', 'other gateway ports too');
      assert.equal(await sendUdp(lab, '198.51.100.1', 500), 'sent');
      assert.equal(await sendUdp(lab, '198.51.100.1', 4500), 'sent');
      assert.equal(await sendUdp(lab, '127.0.0.1', 53), 'sent');
      await lab.ip('link', 'set', 'rw0', 'up');
      await lab.ip('route', 'add', '10.9.0.0/16', 'dev', 'rw0');
      assert.equal(await sendUdp(lab, '10.9.0.1', 53), 'sent', 'into the tunnel');
      // applied twice (a crash left one): still one table
      await new Lockdown({ netns: lab.ns, stateDir }).apply(SPEC);
      assert.equal((await tables(lab)).match(/roadwarrior_lockdown/g)?.length, 1);
    } finally {
      await lockdown.remove();
    }
    assert.doesNotMatch(await tables(lab), /roadwarrior_lockdown/);
    assert.equal(await sendUdp(lab, '192.0.2.1', 53), 'sent', 'open again');
  }));

test('a lockdown whose process died is lifted by cleanupStale', () =>
  withLab('lockcrash', async (lab, stateDir) => {
    await new Lockdown({ netns: lab.ns, stateDir }).apply(SPEC);
    // as if this process had been SIGKILLed: its record now names a dead pid
    const [file] = await readdir(stateDir);
    assert.ok(file);
    const record = JSON.parse(await readFile(join(stateDir, file), 'utf8')) as { pid: number };
    const dead = 999_999;
    await writeFile(join(stateDir, file), JSON.stringify({ ...record, pid: dead }), {
      mode: 0o600,
    });
    await rename(join(stateDir, file), join(stateDir, `netconfig-${dead}-lockdown-rw0.json`));
    const report = await cleanupStale(stateDir);
    assert.deepEqual(report.failed, []);
    assert.equal(report.restored.length, 1);
    assert.doesNotMatch(await tables(lab), /roadwarrior_lockdown/);
  }));

test('the ruleset takes only an interface name, an IP gateway and ports', () => {
  assert.match(lockdownRuleset(SPEC), /ip daddr 198\.51\.100\.1 udp dport \{ 500, 4500 \} accept/);
  assert.match(lockdownRuleset({ ...SPEC, gateway: '2001:db8::1' }), /ip6 daddr 2001:db8::1/);
  // an IPv6 gateway's next hop needs neighbour discovery; an IPv4 one lets no ICMPv6 out
  assert.match(
    lockdownRuleset({ ...SPEC, gateway: '2001:db8::1' }),
    /icmpv6 type \{ nd-neighbor-solicit, nd-neighbor-advert \} accept/,
  );
  assert.doesNotMatch(lockdownRuleset(SPEC), /icmpv6/);
  for (const bad of [
    { ...SPEC, tunName: 'rw0" accept ; #' },
    { ...SPEC, gateway: 'gw.example; flush ruleset' },
    { ...SPEC, ports: [0] },
  ])
    assert.throws(() => lockdownRuleset(bad), /lockdown: invalid/);
});
