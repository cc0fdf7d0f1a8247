// A full tunnel that does not leak, for real in a network namespace per test (root): IPv6 made
// unreachable beside an IPv4-only tunnel, strict reverse-path filtering on the TUN, DNS for
// every name through the tunnel (`~.`) or a warning when it cannot be, and all of it undone,
// also after a SIGKILL (crash record).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BuiltinConfigurator, cleanupStale } from '../../app/dataplane/netconfig/index.js';
import { applyInChildThenKill } from './netconfig-support/crash-child.js';
import { type Lab, labSetup, loggingResolvectl, split, withLab } from './netconfig-support/lab.js';

const run = promisify(execFile);
const FULL = { splitInclude: [] };

/** IPv6 on the lab's uplink, with a default route: what a leak would use. */
async function withIpv6(lab: Lab): Promise<void> {
  await lab.ip('-6', 'addr', 'add', '2001:db8:1::2/64', 'dev', 'eth0', 'nodad');
  await lab.ip('-6', 'route', 'add', 'default', 'via', '2001:db8:1::1', 'dev', 'eth0');
}

/** How `ip route get` answers for an IPv6 destination: the device, or the error. */
async function ipv6Route(lab: Lab, destination: string): Promise<string> {
  try {
    const [route] = await lab.ipJson<Array<{ dev?: string; type?: string }>>(
      '-6',
      'route',
      'get',
      destination,
    );
    return route?.type === 'unreachable' ? 'unreachable' : (route?.dev ?? 'none');
  } catch (error) {
    // an unreachable route answers EHOSTUNREACH
    return /unreachable|No route to host/i.test((error as Error).message) ? 'unreachable' : 'error';
  }
}

const rpFilter = async (lab: Lab, dev: string) =>
  (
    await run('ip', ['netns', 'exec', lab.ns, 'sysctl', '-n', `net.ipv4.conf.${dev}.rp_filter`])
  ).stdout.trim();

test('full tunnel: IPv6 unreachable and rp_filter=1 on the TUN while up; both undone', () =>
  withLab('v6', async (lab, stateDir) => {
    await withIpv6(lab);
    assert.equal(await ipv6Route(lab, '2001:db8:99::1'), 'eth0', 'IPv6 leaves by eth0 before');
    assert.equal(await rpFilter(lab, 'rw0'), '0');
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir });
    const applied = await configurator.apply(labSetup({}, FULL));

    assert.equal(await ipv6Route(lab, '2001:db8:99::1'), 'unreachable');
    assert.equal(await ipv6Route(lab, '2001:db8:1::77'), 'eth0', 'the on-link IPv6 LAN stays');
    assert.equal(await rpFilter(lab, 'rw0'), '1');
    assert.ok(applied.changes.includes('IPv6 ::/1 unreachable while the full tunnel is up'));
    assert.equal(applied.warnings, undefined);

    await configurator.undo();
    assert.equal(await ipv6Route(lab, '2001:db8:99::1'), 'eth0', 'IPv6 back after undo');
    assert.equal(await rpFilter(lab, 'rw0'), '0');
  }));

test('split tunnel: IPv6 is left alone, the TUN still filters strictly', () =>
  withLab('v6split', async (lab, stateDir) => {
    await withIpv6(lab);
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir });
    await configurator.apply(labSetup({}, { splitInclude: [split('10.1.0.0', 16)] }));
    assert.equal(await ipv6Route(lab, '2001:db8:99::1'), 'eth0');
    assert.equal(await rpFilter(lab, 'rw0'), '1');
    await configurator.undo();
  }));

test('full tunnel DNS: the tunnel link takes ~. (every name); split DNS does not', () =>
  withLab('dnsall', async (lab, stateDir) => {
    const { resolvectl, log } = await loggingResolvectl(stateDir);
    const full = new BuiltinConfigurator({ netns: lab.ns, stateDir, resolvectl });
    await full.apply(labSetup({ skipDns: false }, FULL));
    await full.undo();
    const split16 = new BuiltinConfigurator({ netns: lab.ns, stateDir, resolvectl });
    await split16.apply(labSetup({ skipDns: false }));
    await split16.undo();
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.filter((line) => line.startsWith('domain')),
      ['domain rw0 corp.lab.example ~.', 'domain rw0 corp.lab.example'],
    );
  }));

test('full tunnel whose DNS cannot be set: a warning the user sees, not only a note', () =>
  withLab('dnsleak', async (lab, stateDir) => {
    const options = { netns: lab.ns, stateDir, resolvectl: '/nonexistent/resolvectl' };
    const full = new BuiltinConfigurator(options);
    const applied = await full.apply(labSetup({ skipDns: false }, FULL));
    await full.undo();
    assert.deepEqual(
      applied.warnings?.map((w) => w.code),
      ['dns-not-set'],
    );
    assert.match(applied.warnings?.[0]?.message ?? '', /outside the tunnel/);

    const noServers = new BuiltinConfigurator(options);
    const none = await noServers.apply(labSetup({ skipDns: false }, { ...FULL, dns: [] }));
    await noServers.undo();
    assert.match(none.warnings?.[0]?.message ?? '', /the gateway sent no DNS servers/);

    // a split tunnel sends only its own networks through: local DNS is expected there
    const splitTunnel = new BuiltinConfigurator(options);
    const split16 = await splitTunnel.apply(labSetup({ skipDns: false }));
    await splitTunnel.undo();
    assert.equal(split16.warnings, undefined);
  }));

test('crash: after a SIGKILL, cleanupStale removes the IPv6 block and restores rp_filter', () =>
  withLab('v6crash', async (lab, stateDir) => {
    await withIpv6(lab);
    await applyInChildThenKill(labSetup({}, FULL), { netns: lab.ns, stateDir });
    assert.equal(await ipv6Route(lab, '2001:db8:99::1'), 'unreachable', 'left by the dead child');
    assert.equal(await rpFilter(lab, 'rw0'), '1');
    const report = await cleanupStale(stateDir);
    assert.equal(report.restored.length, 1);
    assert.deepEqual(report.failed, []);
    assert.equal(await ipv6Route(lab, '2001:db8:99::1'), 'eth0');
    assert.equal(await rpFilter(lab, 'rw0'), '0');
  }));

test('in its own namespace (the CLI as root, the helper) rp_filter goes through /proc/sys', () =>
  withLab('rpfproc', async (lab) => {
    const module = new URL('../../app/dataplane/netconfig/tunnel-hardening.ts', import.meta.url);
    const commands = new URL('../../app/dataplane/netconfig/system-commands.ts', import.meta.url);
    const script = `
      const { strictReversePath } = await import(${JSON.stringify(module.href)});
      const { SystemCommands } = await import(${JSON.stringify(commands.href)});
      const journal = [];
      const step = await strictReversePath(new SystemCommands({}), { tunName: 'rw0' }, (e) => journal.push(...e));
      console.log(JSON.stringify({ step, journal }));`;
    const { stdout } = await run('ip', [
      'netns',
      'exec',
      lab.ns,
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    const { step, journal } = JSON.parse(stdout) as {
      step: { changes: string[] };
      journal: { undo: unknown }[];
    };
    assert.deepEqual(step.changes, ['strict reverse-path filter (rp_filter=1) on rw0']);
    assert.deepEqual(journal[0]?.undo, {
      program: 'sysctl',
      key: 'net.ipv4.conf.rw0.rp_filter',
      value: '0',
    });
    assert.equal(await rpFilter(lab, 'rw0'), '1');
  }));
