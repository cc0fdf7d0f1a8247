// Built-in iproute2 configurator, run for real inside a network namespace per test (root).
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BuiltinConfigurator,
  NetworkConfigError,
  cleanupStale,
} from '../../app/dataplane/netconfig/index.js';
import { applyInChildThenKill } from './netconfig-support/crash-child.js';
import {
  type Lab,
  labSetup,
  loggingResolvectl,
  mainRoutes,
  split,
  withLab,
} from './netconfig-support/lab.js';

const routeVia = async (lab: Lab, destination: string) =>
  (await lab.ipJson<Array<{ dev: string; gateway?: string }>>('route', 'get', destination))[0];

test('split tunnel: address, MTU, include/exclude/gateway routes; undo restores everything', () =>
  withLab('split', async (lab, stateDir) => {
    const before = await lab.snapshot();
    const setup = labSetup(
      {},
      {
        splitInclude: [split('10.77.0.0', 24), split('198.19.80.5', 20)],
        // a public network that is not on-link is no Local LAN: ignored
        splitExclude: [split('10.77.0.128', 25), split('127.0.0.0', 8), split('198.19.90.0', 24)],
      },
    );
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir });
    const applied = await configurator.apply(setup);

    const [tun] = await lab.ipJson<
      Array<{
        mtu: number;
        flags: string[];
        addr_info: Array<{ local: string; prefixlen: number }>;
      }>
    >('addr', 'show', 'rw0');
    assert.equal(tun?.mtu, 1400);
    assert.ok(tun?.flags.includes('UP'));
    assert.deepEqual(
      tun?.addr_info.map((a) => `${a.local}/${a.prefixlen}`),
      ['198.19.99.1/32'],
    );
    assert.deepEqual((await mainRoutes(lab)).sort(), [
      '10.77.0.0/24 rw0',
      '10.77.0.128/25 eth0 192.0.2.1',
      '192.0.2.0/24 eth0',
      '198.19.80.0/20 rw0',
      '198.51.100.1 eth0 192.0.2.1',
      'default eth0 192.0.2.1',
    ]);
    assert.equal((await routeVia(lab, '10.77.0.10'))?.dev, 'rw0');
    assert.equal((await routeVia(lab, '10.77.0.200'))?.dev, 'eth0', 'excluded half stays outside');
    assert.ok(
      applied.changes.includes(
        'excluded 198.19.90.0/24 ignored: neither a private network nor on-link',
      ),
    );
    assert.ok(
      applied.changes.some((line) =>
        line.includes('gateway route 198.51.100.1/32 via 192.0.2.1 dev eth0'),
      ),
    );

    const records = await readdir(stateDir);
    assert.equal(records.length, 1, 'crash record while configured');
    const record = JSON.parse(await readFile(join(stateDir, records[0] ?? ''), 'utf8')) as {
      pid: number;
      journal: unknown[];
    };
    assert.equal(record.pid, process.pid);
    assert.equal(record.journal.length, 7, 'link, address, 4 routes, rp_filter');

    await configurator.undo();
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual(await readdir(stateDir), [], 'record removed after a clean undo');
    await configurator.undo();
  }));

test('full tunnel: two /1 routes into the TUN, default route untouched, gateway kept outside', () =>
  withLab('full', async (lab, stateDir) => {
    const before = await lab.snapshot();
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir });
    await configurator.apply(
      labSetup({}, { splitInclude: [], splitExclude: [split('192.168.50.0', 24)] }),
    );

    assert.deepEqual((await mainRoutes(lab)).sort(), [
      '0.0.0.0/1 rw0',
      '128.0.0.0/1 rw0',
      '192.0.2.0/24 eth0',
      '192.168.50.0/24 eth0 192.0.2.1',
      '198.51.100.1 eth0 192.0.2.1',
      'default eth0 192.0.2.1',
    ]);
    assert.equal((await routeVia(lab, '203.0.113.9'))?.dev, 'rw0');
    const toGateway = await routeVia(lab, '198.51.100.1');
    assert.equal(toGateway?.dev, 'eth0', 'IKE/ESP to the gateway never enters the tunnel');
    assert.equal(toGateway?.gateway, '192.0.2.1');
    assert.equal((await routeVia(lab, '192.0.2.77'))?.dev, 'eth0', 'the local LAN stays on-link');

    await configurator.undo();
    assert.deepEqual(await lab.snapshot(), before);
  }));

test('undo tolerates a vanished TUN and still removes the gateway route', () =>
  withLab('vanish', async (lab, stateDir) => {
    const routesBefore = await mainRoutes(lab);
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir });
    await configurator.apply(labSetup());
    await lab.ip('link', 'del', 'rw0');
    await configurator.undo();
    assert.deepEqual(await mainRoutes(lab), routesBefore);
    assert.deepEqual(await readdir(stateDir), []);
  }));

test('a change refused mid-apply: what was applied is undone, the error names the step', () =>
  withLab('fail', async (lab, stateDir) => {
    // someone else's route for the second include network makes `route add` fail with EEXIST
    await lab.ip('route', 'add', '198.19.80.0/20', 'via', '192.0.2.1', 'dev', 'eth0');
    const before = await lab.snapshot();
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir });
    await assert.rejects(
      configurator.apply(
        labSetup({}, { splitInclude: [split('198.19.77.0', 24), split('198.19.80.0', 20)] }),
      ),
      (error: unknown) =>
        error instanceof NetworkConfigError &&
        error.code === 'ip-failed' &&
        error.detail.step === 'route 198.19.80.0/20 into rw0' &&
        /route 198\.19\.80\.0\/20 into rw0.*File exists/.test(error.message),
    );
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual(await readdir(stateDir), []);
  }));

test('no route to the gateway: typed error, nothing changed', () =>
  withLab('noroute', async (lab, stateDir) => {
    await lab.ip('route', 'del', 'default');
    const before = await lab.snapshot();
    await assert.rejects(new BuiltinConfigurator({ netns: lab.ns, stateDir }).apply(labSetup()), {
      name: 'NetworkConfigError',
      code: 'no-route-to-gateway',
    });
    assert.deepEqual(await lab.snapshot(), before);
  }));

test('DNS: without systemd-resolved nothing is written and a note says so', () =>
  withLab('nodns', async (lab, stateDir) => {
    const configurator = new BuiltinConfigurator({
      netns: lab.ns,
      stateDir,
      resolvectl: '/nonexistent/resolvectl',
    });
    const applied = await configurator.apply(labSetup({ skipDns: false }));
    assert.ok(applied.changes.includes('DNS not configured: no systemd-resolved'));
    await configurator.undo();
  }));

test('DNS: with systemd-resolved, per-link servers, search and routing domains; reverted on undo', () =>
  withLab('dns', async (lab, stateDir) => {
    const { resolvectl, log } = await loggingResolvectl(stateDir);
    const configurator = new BuiltinConfigurator({ netns: lab.ns, stateDir, resolvectl });
    const applied = await configurator.apply(
      labSetup({ skipDns: false }, { splitDns: ['lab.example'] }),
    );
    assert.ok(applied.changes.includes('resolvectl dns rw0 198.19.77.53'));
    await configurator.undo();
    assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), [
      'status',
      'dns rw0 198.19.77.53',
      'domain rw0 corp.lab.example ~lab.example',
      'revert rw0',
    ]);
  }));

test('crash: a SIGKILLed configurator leaves a record; cleanupStale restores the network', () =>
  withLab('crash', async (lab, stateDir) => {
    const before = await lab.snapshot();
    const setup = labSetup({}, { splitInclude: [], splitExclude: [split('198.19.50.0', 24)] });
    const deadPid = await applyInChildThenKill(setup, { netns: lab.ns, stateDir });
    assert.ok((await mainRoutes(lab)).includes('0.0.0.0/1 rw0'), 'the dead child left its routes');
    assert.deepEqual(await readdir(stateDir), [`netconfig-${deadPid}-rw0.json`]);

    // a record of a live process (this one) is not touched
    const live = join(stateDir, `netconfig-${process.pid}-rw9.json`);
    await writeFile(
      live,
      JSON.stringify({
        version: 1,
        kind: 'builtin',
        pid: process.pid,
        tunName: 'rw9',
        journal: [],
      }),
      { mode: 0o600 }, // as the configurator writes them: others are not trusted
    );

    // nor one a dead process made in another network namespace (the directory is host-wide)
    const elsewhere = join(stateDir, 'netconfig-999999-rw8.json');
    await writeFile(
      elsewhere,
      JSON.stringify({
        version: 1,
        kind: 'builtin',
        pid: 999_999,
        netnsInode: '0:1',
        tunName: 'rw8',
        journal: [{ what: 'x', undo: { program: 'ip', args: ['link', 'del', 'dev', 'lo'] } }],
      }),
      { mode: 0o600 },
    );

    const report = await cleanupStale(stateDir);
    assert.deepEqual(report, {
      restored: [join(stateDir, `netconfig-${deadPid}-rw0.json`)],
      skipped: [live],
      elsewhere: [elsewhere],
      failed: [],
    });
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual((await readdir(stateDir)).sort(), [
      `netconfig-${process.pid}-rw9.json`,
      'netconfig-999999-rw8.json',
    ]);
  }));
