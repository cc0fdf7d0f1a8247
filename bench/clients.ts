// The clients the benchmark compares, each started the way its users start it: Debian's vpnc,
// strongSwan's charon as a road warrior, and Roadwarrior's CLI (its startup snapshot, the ESM
// bundle and through tsx) plus its in-process warm connect; and one connect of any of them,
// from process start to the gateway idle again.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LAB_CONNECTION } from '../test/lab/config.js';
import { type Lab, LAB_ADDRESSES } from '../test/lab/index.js';
import { type ClientFiles, connectArgs } from '../test/support/interop.js';
import { CharonClient, type CharonClientConfig } from './charon-client.js';
import { terminate, timeToFirstReply } from './measure.js';
import { progress } from './progress.js';

export const VPNC = '/usr/sbin/vpnc';
export const VPNC_SCRIPT = '/usr/share/vpnc-scripts/vpnc-script';
/** Row names; the report's ratios key on them. */
export const VPNC_NAME = 'vpnc';
export const CHARON_NAME = 'strongSwan charon';
const WARM_DRIVER = fileURLToPath(new URL('./warm-driver.ts', import.meta.url));

/** A state or network event's name and time (ms since epoch), as the engine emitted it. */
export interface Checkpoint {
  name: string;
  at: number;
}

export interface Running {
  /** The client's own process (ip netns exec and sh exec it, so this is its pid). */
  pid: number;
  /** Roadwarrior only: its engine events up to `connected` (which may follow the first reply). */
  checkpoints?: Promise<Checkpoint[]>;
  stop(): Promise<void>;
}

export interface WarmSession {
  /** Resolves with the engine's checkpoints when there are any; rejects when the connect fails. */
  connect(): Promise<Checkpoint[] | undefined>;
  disconnect(): Promise<void>;
  close(): Promise<void>;
}

export interface BenchClient {
  name: string;
  /** A cold connect: from process start. */
  start(): Promise<Running>;
  /** A process that is already running, for warm connects. */
  warm?(): Promise<WarmSession>;
}

/** Output collected for error messages and parsed as JSON lines when the client prints them. */
function watch(child: ChildProcess): { output: () => string; lines: AsyncIterable<string> } {
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  return { output: () => output, lines: createInterface({ input: child.stdout! }) };
}

interface EventLine {
  type: string;
  at?: number;
  state?: string;
  phase?: string;
  code?: string;
  message?: string;
}

/** Reads engine event lines into checkpoints until connected; rejects on an error event. */
async function untilConnected(
  lines: AsyncIterator<string>,
  output: () => string,
): Promise<Checkpoint[]> {
  const checkpoints: Checkpoint[] = [];
  for (;;) {
    const next = await lines.next();
    if (next.done) throw new Error(`Roadwarrior ended before connecting: ${output()}`);
    const event = JSON.parse(next.value) as EventLine;
    if (event.type === 'error' && event.code !== undefined)
      throw new Error(`Roadwarrior failed: ${event.code}: ${event.message}`);
    if (event.type === 'state' && event.state && event.at !== undefined)
      checkpoints.push({ name: event.state, at: event.at });
    if (event.type === 'network' && event.at !== undefined)
      checkpoints.push({ name: 'network', at: event.at });
    // info logs mark steps inside a state, e.g. "session: connecting to" once the sockets are open
    if (event.type === 'log' && event.at !== undefined)
      checkpoints.push({
        name: `${event.phase}: ${event.message?.split(' ').slice(0, 2).join(' ')}`,
        at: event.at,
      });
    if (event.type === 'state' && event.state === 'connected') return checkpoints;
  }
}

export function vpncClient(lab: Lab, secrets: { groupPsk: string; password: string }): BenchClient {
  const conf = join(lab.dir, 'bench-vpnc.conf');
  writeFileSync(
    conf,
    [
      `IPSec gateway ${LAB_ADDRESSES.gateway}`,
      `IPSec ID ${lab.options.group}`,
      `IPSec secret ${secrets.groupPsk}`,
      'Xauth username alice',
      `Xauth password ${secrets.password}`,
      // vpnc has no MODP 2048: the bench runs every client with MODP 1536 (group 5)
      'IKE DH Group dh5',
      'Perfect Forward Secrecy nopfs',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // vpnc-script minus DNS, so the benchmark never touches resolv.conf
  const script = join(lab.dir, 'bench-vpnc-script');
  writeFileSync(
    script,
    `#!/bin/sh\nunset INTERNAL_IP4_DNS CISCO_DEF_DOMAIN CISCO_SPLIT_DNS\nexec ${VPNC_SCRIPT} "$@"\n`,
    { mode: 0o755 },
  );
  return {
    name: VPNC_NAME,
    start: async () => {
      const child = lab.spawnInClient(
        VPNC,
        ['--no-detach', '--script', script, '--local-port', '0', '--ifname', 'vpn0', conf],
        { privateRun: true, stdio: 'ignore' },
      );
      return { pid: child.pid!, stop: () => terminate(child) };
    },
  };
}

export function charonClient(lab: Lab, config: CharonClientConfig): Required<BenchClient> {
  return {
    name: CHARON_NAME,
    start: async () => {
      const charon = await CharonClient.start(lab, config);
      try {
        await charon.initiate();
      } catch (error) {
        await charon.stop();
        throw error;
      }
      return { pid: charon.pid, stop: () => charon.stop() };
    },
    warm: async () => {
      const charon = await CharonClient.start(lab, config);
      return {
        connect: async () => {
          await charon.initiate();
          return undefined;
        },
        disconnect: () => charon.terminate(),
        close: () => charon.stop(),
      };
    },
  };
}

/**
 * `roadwarrior connect --json` from `entry` (the bundle or bin/roadwarrior.mjs through tsx);
 * `nodeFlags` e.g. --cpu-prof.
 */
export function roadwarriorCli(
  lab: Lab,
  name: string,
  entry: string,
  files: ClientFiles,
  nodeFlags: string[] = [],
): BenchClient {
  return cliClient(lab, name, [process.execPath, ...nodeFlags, entry], files);
}

/** `roadwarrior connect --json` through the startup snapshot's launcher (it execs node). */
export function roadwarriorSnapshotCli(
  lab: Lab,
  name: string,
  launcher: string,
  files: ClientFiles,
): BenchClient {
  return cliClient(lab, name, [launcher], files);
}

function cliClient(
  lab: Lab,
  name: string,
  [command, ...commandArgs]: [string, ...string[]],
  files: ClientFiles,
): BenchClient {
  return {
    name,
    start: async () => {
      const child = lab.spawnInClient(
        command,
        [...commandArgs, ...connectArgs(files, ['--json'])],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const { output, lines } = watch(child);
      const iterator = lines[Symbol.asyncIterator]();
      const checkpoints = untilConnected(iterator, output);
      // then keep reading (counters every second) so the CLI never blocks on a full pipe;
      // a failed connect surfaces as no ping reply, with this message next to it
      checkpoints.then(
        async () => {
          while (!(await iterator.next()).done);
        },
        (error: Error) => process.stderr.write(`${name}: ${error.message}\n`),
      );
      return { pid: child.pid!, checkpoints, stop: () => terminate(child) };
    },
  };
}

/** Roadwarrior's warm connect: bench/warm-driver.ts in the client namespace. */
export function roadwarriorWarm(
  lab: Lab,
  files: ClientFiles,
  cpuProfileDir?: string,
): () => Promise<WarmSession> {
  const profiling = cpuProfileDir ? ['--cpu-prof-dir', cpuProfileDir] : [];
  return async () => {
    const child = lab.spawnInClient(
      process.execPath,
      ['--import', 'tsx', WARM_DRIVER, ...profiling, files.profile, files.psk, files.password],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const { output, lines } = watch(child);
    const iterator = lines[Symbol.asyncIterator]();
    const expect = async (type: string) => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) throw new Error(`warm driver ended: ${output()}`);
        if ((JSON.parse(next.value) as EventLine).type === type) return;
      }
    };
    const command = (line: string) => child.stdin!.write(`${line}\n`);
    await expect('ready');
    return {
      connect: () => {
        command('connect');
        return untilConnected(iterator, output);
      },
      disconnect: async () => {
        command('disconnect');
        await expect('closed');
      },
      // end of stdin: the driver disconnects and exits by itself (and writes its profiles)
      close: async () => {
        child.stdin!.end();
        await terminate(child, 5000, 5000);
      },
    };
  };
}

/**
 * Waits until the gateway holds no SA, so every connect starts alike. A DELETE lost on the
 * loaded box (seen with vpnc) would leave an IKE SA until DPD: the bench then terminates it.
 */
export async function gatewayIdle(lab: Lab): Promise<void> {
  const idle = (sas: unknown[]) => sas.length === 0;
  try {
    await lab.waitForSas(idle, 3000, 'the gateway to drop the SAs');
  } catch {
    progress('the gateway still holds an SA of the stopped client: terminating it');
    await lab.swanctl(['--terminate', '--ike', LAB_CONNECTION, '--force']);
    await lab.waitForSas(idle, 10_000, 'the gateway to drop the SAs');
  }
}

/**
 * One cold connect: starts `client`, gives `use` the running client, the ms to the first
 * ping reply through the tunnel and when (epoch ms) the start was issued, then stops the client
 * and waits until the gateway is idle.
 */
export async function whileConnected<T>(
  lab: Lab,
  client: BenchClient,
  use: (running: Running, firstReplyMs: number, startedAt: number) => Promise<T>,
): Promise<T> {
  let starting: Promise<Running> | undefined;
  try {
    const { ms, startedAt } = await timeToFirstReply(lab, () => (starting = client.start()));
    return await use(await starting!, ms, startedAt);
  } finally {
    await (await starting?.catch(() => undefined))?.stop();
    await gatewayIdle(lab);
  }
}
