// vpnc-script configurator: Debian's real vpnc-script inside a network namespace per test
// (root), and stand-in scripts for the environment contract and the failure paths.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  NetworkConfigError,
  ScriptConfigurator,
  cleanupStale,
} from '../../app/dataplane/netconfig/index.js';
import { applyInChildThenKill } from './netconfig-support/crash-child.js';
import { type Lab, labSetup, mainRoutes, withLab } from './netconfig-support/lab.js';

const VPNC_SCRIPT = '/usr/share/vpnc-scripts/vpnc-script';
const HOST_RESOLV_CONF = '/etc/resolv.conf';
const NS_RESOLV_CONF = 'nameserver 192.0.2.53\nsearch home.example\n';

/** Why the real script cannot run here safely: it would use a DNS manager shared with the host
 * (resolvconf, systemd-resolved) instead of writing /etc/resolv.conf, which the namespace hides. */
function realScriptUnsafe(): string | false {
  if (!existsSync(VPNC_SCRIPT))
    return `${VPNC_SCRIPT} not installed (apt-get install vpnc-scripts)`;
  if (existsSync('/sbin/resolvconf'))
    return 'resolvconf installed: the script would change host DNS';
  const nsswitch = existsSync('/etc/nsswitch.conf')
    ? readFileSync('/etc/nsswitch.conf', 'utf8')
    : '';
  if (/^hosts:.*resolve/m.test(nsswitch))
    return 'systemd-resolved in use: the script would change host DNS';
  return false;
}

// the script keeps its own state in /var/run/vpnc (host /run); leave no empty directory behind
const vpncRunDirExisted = existsSync('/run/vpnc');
after(async () => {
  if (!vpncRunDirExisted) await rmdir('/run/vpnc').catch(() => undefined);
});

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rw-netconfig-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Debian's script in a lab namespace, skipped where it would reach host DNS. */
function realScriptTest(name: string, body: (lab: Lab, stateDir: string) => Promise<void>): void {
  test(`real vpnc-script, ${name}`, { skip: realScriptUnsafe() }, () => withLab('script', body));
}

const scriptSetup = (overrides = {}, config = {}) =>
  labSetup({ script: { path: VPNC_SCRIPT }, ...overrides }, config);

realScriptTest(
  'split tunnel: routes, address, DNS in the namespace copy only; undo restores',
  async (lab, stateDir) => {
    const nsResolvConf = await lab.privateResolvConf(NS_RESOLV_CONF);
    const hostResolvConf = await readFile(HOST_RESOLV_CONF);
    const before = await lab.snapshot();
    const configurator = new ScriptConfigurator(VPNC_SCRIPT, { netns: lab.ns, stateDir });
    await configurator.apply(scriptSetup({ skipDns: false }));

    assert.deepEqual((await mainRoutes(lab)).sort(), [
      '192.0.2.0/24 eth0',
      '198.19.77.0/24 rw0',
      '198.19.99.1 rw0',
      '198.51.100.1 eth0 192.0.2.1',
      'default eth0 192.0.2.1',
    ]);
    const [tun] = await lab.ipJson<Array<{ mtu: number; addr_info: Array<{ local: string }> }>>(
      'addr',
      'show',
      'rw0',
    );
    assert.equal(tun?.mtu, 1400, 'INTERNAL_IP4_MTU kept the TUN MTU');
    assert.deepEqual(
      tun?.addr_info.map((a) => a.local),
      ['198.19.99.1'],
    );
    const resolv = await readFile(nsResolvConf, 'utf8');
    assert.match(resolv, /^nameserver 198\.19\.77\.53$/m);
    assert.match(resolv, /^search .*corp\.lab\.example/m);
    assert.deepEqual(
      await readFile(HOST_RESOLV_CONF),
      hostResolvConf,
      'host resolv.conf untouched',
    );
    const [recordName] = await readdir(stateDir);
    const record = JSON.parse(await readFile(join(stateDir, recordName ?? ''), 'utf8')) as {
      kind: string;
      env: Record<string, string>;
    };
    assert.equal(record.kind, 'script');
    assert.equal(record.env['reason'], 'disconnect');
    assert.equal(record.env['VPNPID'], String(process.pid));

    await configurator.undo();
    assert.deepEqual(await lab.snapshot(), before);
    assert.equal(await readFile(nsResolvConf, 'utf8'), NS_RESOLV_CONF);
    assert.deepEqual(await readFile(HOST_RESOLV_CONF), hostResolvConf);
    assert.deepEqual(await readdir(stateDir), []);
  },
);

realScriptTest(
  'full tunnel with skipDns: default route through the TUN, restored on undo',
  async (lab, stateDir) => {
    const nsResolvConf = await lab.privateResolvConf(NS_RESOLV_CONF);
    const before = await lab.snapshot();
    const configurator = new ScriptConfigurator(VPNC_SCRIPT, { netns: lab.ns, stateDir });
    await configurator.apply(scriptSetup({ skipDns: true }, { splitInclude: [] }));
    const routes = await mainRoutes(lab);
    assert.ok(routes.includes('default rw0'), routes.join(', '));
    assert.ok(routes.includes('198.51.100.1 eth0 192.0.2.1'));
    assert.equal(
      await readFile(nsResolvConf, 'utf8'),
      NS_RESOLV_CONF,
      'skipDns: resolv.conf left alone',
    );
    await configurator.undo();
    assert.deepEqual(await lab.snapshot(), before);
  },
);

realScriptTest(
  'crash: cleanupStale runs disconnect with the dead process VPNPID',
  async (lab, stateDir) => {
    await lab.privateResolvConf(NS_RESOLV_CONF);
    const before = await lab.snapshot();
    const deadPid = await applyInChildThenKill(scriptSetup({}, { splitInclude: [] }), {
      netns: lab.ns,
      stateDir,
    });
    assert.ok((await mainRoutes(lab)).includes('default rw0'));
    const report = await cleanupStale(stateDir);
    assert.deepEqual(report.restored, [join(stateDir, `netconfig-${deadPid}-rw0.json`)]);
    assert.deepEqual(report.failed, []);
    // the saved default route came back: the script found its file by VPNPID
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual(await readdir(stateDir), []);
  },
);

/** A stand-in script that logs each call's environment (one JSON line) and fails on `failOn`. */
async function loggingScript(
  dir: string,
  failOn = '',
): Promise<{ path: string; calls(): Promise<Array<Record<string, string>>> }> {
  const path = join(dir, 'logging-script');
  const log = join(dir, 'calls.jsonl');
  await writeFile(
    path,
    `#!${process.execPath}
require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.env) + '\\n');
if (process.env.reason === ${JSON.stringify(failOn)}) {
  process.stderr.write('warming up\\ncannot add route: boom\\n');
  process.exit(1);
}
`,
  );
  await chmod(path, 0o755);
  return {
    path,
    calls: async () =>
      (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, string>),
  };
}

test('environment reaches the script verbatim: no shell, stale contract variables removed', () =>
  withTempDir(async (dir) => {
    const script = await loggingScript(dir);
    const banner = 'Hi $(touch /tmp/rw-pwned) `id`; rm -rf /nothing\nline 2';
    process.env['CISCO_SPLIT_EXC'] = '7';
    try {
      const configurator = new ScriptConfigurator(script.path, { stateDir: dir });
      const applied = await configurator.apply(
        labSetup({ script: { path: script.path }, skipDns: true }, { banner }),
      );
      assert.ok(applied.changes.some((line) => line.includes('split tunnel 198.19.77.0/24')));
      await configurator.undo();
    } finally {
      delete process.env['CISCO_SPLIT_EXC'];
    }
    const calls = await script.calls();
    assert.deepEqual(
      calls.map((env) => env['reason']),
      ['pre-init', 'connect', 'disconnect'],
    );
    const connect = calls[1] ?? {};
    assert.equal(connect['CISCO_BANNER'], banner);
    assert.equal(connect['CISCO_SPLIT_EXC'], undefined, 'inherited stale variable removed');
    assert.equal(connect['INTERNAL_IP4_DNS'], undefined, 'skipDns');
    assert.equal(connect['INTERNAL_IP4_NBNS'], '198.19.77.54');
    assert.equal(connect['VPNPID'], String(process.pid));
    assert.equal(connect['PATH'], process.env['PATH'], 'the rest of the environment is inherited');
    assert.equal(existsSync('/tmp/rw-pwned'), false);
  }));

test('script exits non-zero on connect: typed error with its last stderr line, disconnect run', () =>
  withTempDir(async (dir) => {
    const script = await loggingScript(dir, 'connect');
    const configurator = new ScriptConfigurator(script.path, { stateDir: dir });
    await assert.rejects(
      configurator.apply(labSetup({ script: { path: script.path } })),
      (error: unknown) => {
        assert.ok(error instanceof NetworkConfigError);
        assert.equal(error.code, 'script-failed');
        assert.equal(
          error.message,
          `vpnc-script exited 1 (${script.path}, reason connect): cannot add route: boom`,
        );
        assert.deepEqual(error.detail, { script: script.path, reason: 'connect' });
        return true;
      },
    );
    assert.deepEqual(
      (await script.calls()).map((env) => env['reason']),
      ['pre-init', 'connect', 'disconnect'],
    );
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.startsWith('netconfig-')),
      [],
      'record removed after the rollback',
    );
  }));

test('script missing or not executable: typed errors naming script and reason', () =>
  withTempDir(async (dir) => {
    const missing = join(dir, 'no-such-script');
    await assert.rejects(
      new ScriptConfigurator(missing, { stateDir: dir }).apply(
        labSetup({ script: { path: missing } }),
      ),
      {
        code: 'script-missing',
        message: `vpnc-script ${missing} not found (reason pre-init)`,
      },
    );
    const plain = join(dir, 'not-executable');
    await writeFile(plain, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    await assert.rejects(
      new ScriptConfigurator(plain, { stateDir: dir }).apply(labSetup({ script: { path: plain } })),
      {
        code: 'script-not-executable',
        message: `vpnc-script ${plain} is not an executable file (reason pre-init)`,
      },
    );
  }));

test('script hangs: timeout error, its whole process group killed', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'hanging-script');
    const pidFile = join(dir, 'sleep.pid');
    await writeFile(path, `#!/bin/sh\nsleep 30 &\necho $! > '${pidFile}'\nwait\n`, { mode: 0o755 });
    const started = Date.now();
    await assert.rejects(
      new ScriptConfigurator(path, { stateDir: dir, timeoutMs: 300 }).apply(
        labSetup({ script: { path } }),
      ),
      { code: 'script-timeout' },
    );
    assert.ok(Date.now() - started < 5000);
    const sleeper = Number(await readFile(pidFile, 'utf8'));
    assert.ok(await exitsSoon(sleeper), 'the script child was killed too');
  }));

/** True once the process is gone or a zombie (killed, not yet reaped), within 2 s. */
async function exitsSoon(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat === '' || / Z /.test(stat)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
