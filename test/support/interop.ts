// Shared set-up of the interop suites: a strongSwan lab, a profile file and secret files for
// the CLI, the transport the CLI reaches its data plane through (in-process as root, or the
// privileged helper with the CLI as `nobody`), and a loud reason when a suite cannot run here.
import { type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitForHelper } from '../../app/helper/client.js';
import {
  type IkeSa,
  type Lab,
  type LabOptions,
  LAB_ADDRESSES,
  LAB_DEFAULTS,
  startLab,
} from '../lab/index.js';
import type { StateEvent } from '../../app/shared/events.js';
import { CLI_ENTRY, type CliRun, runCli } from './cli-process.js';

/** the unprivileged user the app runs as when it goes through the helper */
export const NOBODY = 65534;

/** Why interop tests cannot run on this machine, or undefined. CI must never see a reason. */
export function interopSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'interop tests need root (network namespaces, TUN)';
  if (!existsSync('/usr/lib/ipsec/charon'))
    return 'strongSwan is not installed: run scripts/install-system-deps.sh';
  return undefined;
}

/** When a suite cannot run here (`reason`, from interopSkipReason()), one test named `name`
 * that skips loudly: the reason goes to stderr as well as into the test report. Under CI a skip
 * is a failure: the interop suites are the heart of the suite and must run there. When the
 * suite runs, no test: one that passed by construction would prove nothing. */
export function reportSkippedSuite(name: string, reason: string | undefined): void {
  if (reason === undefined) return;
  test(name, (t) => {
    console.error(`\n*** INTEROP TEST SKIPPED: ${reason} ***\n`);
    if (process.env.CI) throw new Error(`interop tests cannot run in CI: ${reason}`);
    t.skip(reason);
  });
}

export interface ClientFiles {
  dir: string;
  profile: string;
  psk: string;
  password: string;
  remove(): void;
}

export function clientFiles(
  profile: Record<string, unknown>,
  psk: string,
  password: string,
): ClientFiles {
  const dir = mkdtempSync(join(tmpdir(), 'rw-client-'));
  const files = {
    profile: join(dir, 'profile.json'),
    psk: join(dir, 'psk'),
    password: join(dir, 'password'),
  };
  writeFileSync(
    files.profile,
    JSON.stringify({
      name: 'lab',
      gateway: '198.51.100.1',
      group: 'labgroup',
      username: 'alice',
      ...profile,
    }),
  );
  writeFileSync(files.psk, `${psk}\n`, { mode: 0o600 });
  writeFileSync(files.password, `${password}\n`, { mode: 0o600 });
  return { dir, ...files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `roadwarrior connect` arguments for a client's files (demo, bench and tests share them). */
export function connectArgs(files: ClientFiles, extra: string[] = []): string[] {
  return [
    'connect',
    '--profile',
    files.profile,
    '--group-psk-file',
    files.psk,
    '--password-file',
    files.password,
    '--no-dns',
    ...extra,
  ];
}

/** How the CLI reaches sockets, TUN and routes, attached to one lab. */
export interface AttachedTransport {
  /** extra `connect` arguments (`--helper SOCKET`) */
  cliArgs: string[];
  /** the uid the CLI runs as; its files are handed to that user */
  uid?: number;
  /** the helper serving this lab, when there is one */
  helper?: LabHelper;
  detach(): Promise<void>;
}

/** A way to run the client; the interop suites run once per transport. */
export interface Transport {
  kind: 'in-process' | 'helper';
  /** goes into suite names */
  label: string;
  attach(lab: Lab): Promise<AttachedTransport>;
}

export const IN_PROCESS: Transport = {
  kind: 'in-process',
  label: 'CLI as root, in-process data plane',
  attach: () => Promise.resolve({ cliArgs: [], detach: () => Promise.resolve() }),
};

export const VIA_HELPER: Transport = {
  kind: 'helper',
  label: 'CLI as nobody, data plane in the privileged helper',
  attach: async (lab) => {
    const helper = await startHelper(lab);
    return { cliArgs: ['--helper', helper.socket], uid: NOBODY, helper, detach: helper.stop };
  },
};

export function connectCli(
  lab: Lab,
  files: ClientFiles,
  extra: string[] = [],
  via?: AttachedTransport,
): CliRun {
  if (via?.uid !== undefined) handOver(files, via.uid);
  return runCli(
    connectArgs(files, ['--json', '--log-level', 'debug', ...(via?.cliArgs ?? []), ...extra]),
    {
      netns: lab.names.cli,
      asUser: via?.uid,
    },
  );
}

/** The CLI reads its profile and secrets as the user it runs as. */
function handOver(files: ClientFiles, uid: number): void {
  chmodSync(files.dir, 0o700);
  for (const path of [files.dir, files.profile, files.psk, files.password])
    chownSync(path, uid, uid);
}

/** `roadwarrior helper` as root in the lab's client namespace, serving only NOBODY. */
export interface LabHelper {
  socket: string;
  stateDir: string;
  /** what the helper logged (stderr) across its runs */
  log(): string;
  /** resolves once the log has a line matching `pattern` */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGKILL (no clean-up of its own), resolved once it is gone */
  kill(): Promise<void>;
  running(): boolean;
  /** a new helper on the same socket and state directory (after kill() or stop()); resolves
   * once it accepts clients */
  restart(): Promise<void>;
  /** SIGTERM: it closes every tunnel */
  stop(): Promise<void>;
}

export async function startHelper(lab: Lab): Promise<LabHelper> {
  const socket = join(lab.dir, 'helper.sock');
  const stateDir = join(lab.dir, 'helper-state');
  let log = '';
  let child: ChildProcess;
  const running = () => child.exitCode === null && child.signalCode === null;
  const start = async () => {
    child = lab.spawnInClient(
      process.execPath,
      [
        CLI_ENTRY,
        'helper',
        '--socket',
        socket,
        '--allow-uid',
        String(NOBODY),
        '--state-dir',
        stateDir,
        '--log-level',
        'debug',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    // a dead predecessor's socket file is still there: wait until one accepts. A helper that
    // exits fails this at once; the guard is only against a hang, and generous because a
    // loaded machine (two cores, other suites) has taken over 10 s to start Node with tsx
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, name) =>
        reject(new Error(`the helper exited (${code ?? name}) before it listened\n${log}`)),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([
      waitForHelper({ socketPath: socket, timeoutMs: 60_000, intervalMs: 50 }).catch(
        (error: Error) => {
          throw new Error(`the helper does not listen: ${error.message}\n${log}`);
        },
      ),
      exited,
    ]);
  };
  const signal = async (name: NodeJS.Signals) => {
    if (!running()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(name);
    await exited;
  };
  await start();
  return {
    socket,
    stateDir,
    log: () => log,
    waitForLog: async (pattern, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(log)) {
        if (Date.now() > deadline) throw new Error(`the helper logged no ${pattern}:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    kill: () => signal('SIGKILL'),
    running,
    restart: async () => {
      if (running()) throw new Error('the helper still runs: kill() or stop() it first');
      await start();
    },
    stop: () => signal('SIGTERM'),
  };
}

/** One lab and transport for the tests of a describe block: started before them, stopped
 * after them, with the client files they made. */
export interface SuiteLab {
  readonly lab: Lab;
  readonly via: AttachedTransport;
  /** `roadwarrior connect` through the transport, as alice unless told otherwise */
  connect(profile?: Record<string, unknown>, psk?: string, password?: string): CliRun;
}

export function suiteLab(transport: Transport, options: LabOptions): SuiteLab {
  let lab: Lab | undefined;
  let via: AttachedTransport | undefined;
  const files: ClientFiles[] = [];
  before(async () => {
    lab = await startLab(options);
    via = await transport.attach(lab);
  });
  after(async () => {
    files.splice(0).forEach((f) => f.remove());
    await via?.detach();
    await lab?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the suite lab starts in before()');
    return value;
  };
  return {
    get lab() {
      return started(lab);
    },
    get via() {
      return started(via);
    },
    connect(profile = {}, psk = LAB_DEFAULTS.groupPsk, password = LAB_DEFAULTS.users[0]!.password) {
      const f = clientFiles({ gateway: started(lab).gatewayAddress, ...profile }, psk, password);
      files.push(f);
      return connectCli(started(lab), f, [], started(via));
    },
  };
}

/** `count` pings from the client namespace, 0.2 s apart (rejects when none is answered). */
export function pingFromClient(
  lab: Lab,
  count: number,
  host: string = LAB_ADDRESSES.lanHost,
): ReturnType<Lab['execInClient']> {
  return lab.execInClient('ping', ['-c', String(count), '-i', '0.2', '-W', '2', host], {
    timeoutMs: 10_000 + count * 500,
  });
}

/** Whether one ping from the client namespace to `host` is answered. */
export function reachesFromClient(lab: Lab, host: string): Promise<boolean> {
  return pingFromClient(lab, 1, host).then(
    () => true,
    () => false,
  );
}

/** Whether the lockdown's nftables table stands in the client namespace. */
export async function hasLockdownTable(lab: Lab): Promise<boolean> {
  return (await lab.execInClient('nft', ['list', 'tables'])).stdout.includes(
    'roadwarrior_lockdown',
  );
}

/** Links, addresses and routes of the client namespace, for before/after comparisons. */
export async function networkSnapshot(lab: Lab): Promise<string> {
  const parts = await Promise.all([
    lab.execInClient('ip', ['-o', 'link', 'show']),
    lab.execInClient('ip', ['-o', 'addr', 'show']),
    lab.execInClient('ip', ['route', 'show', 'table', 'all']),
  ]);
  return parts.map((p) => p.stdout.replace(/\s+\\\s+/g, ' ')).join('\n--\n');
}

export const isConnected = (e: { type: string; state?: string }): e is StateEvent =>
  e.type === 'state' && e.state === 'connected';

/** The gateway's view once a tunnel is up: an established IKE SA with an installed ESP SA. */
export async function waitForTunnel(lab: Lab, timeoutMs = 5_000): Promise<IkeSa> {
  const sas = await lab.waitForSas(
    (all) =>
      all.some((s) => s.state === 'ESTABLISHED' && s.childSas.some((c) => c.state === 'INSTALLED')),
    timeoutMs,
    'an established IKE SA with an installed ESP SA',
  );
  const tunnel = sas.find((s) => s.state === 'ESTABLISHED');
  if (!tunnel) throw new Error('no established IKE SA');
  return tunnel;
}
