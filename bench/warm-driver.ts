// Roadwarrior's warm connect for the benchmark: one Node process, already loaded, in the lab's
// client namespace, connecting and disconnecting on command. stdin lines "connect" and
// "disconnect"; stdout one JSON object per line: {"type":"ready"}, every engine event (as the
// CLI's --json prints them), {"type":"closed"} after each disconnect. With --cpu-prof-dir, each
// connect is CPU-profiled into DIR/connect-<n>.cpuprofile: the profiler starts before "ready" /
// "closed" (its start costs tens of ms, which must not count) and stops at `connected`.
//   ip netns exec <cli> node --import tsx bench/warm-driver.ts [--cpu-prof-dir DIR] PROFILE PSK_FILE PASSWORD_FILE
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { cliCredentials } from '../app/cli/credentials.js';
import { resolveProfile } from '../app/cli/profile-source.js';
import { jsonRenderer } from '../app/cli/render.js';
import { createInProcessDataPlane } from '../app/dataplane/index.js';
import { type VpnConnection, connect, prepareConnect } from '../app/engine/index.js';

const PROFILE_SAMPLING_US = 100;

const { values, positionals } = parseArgs({
  options: { 'cpu-prof-dir': { type: 'string' } },
  allowPositionals: true,
});
const [profileFile, groupPskFile, passwordFile] = positionals;
if (!profileFile || !groupPskFile || !passwordFile)
  throw new Error(
    'usage: warm-driver.ts [--cpu-prof-dir DIR] PROFILE_JSON GROUP_PSK_FILE PASSWORD_FILE',
  );

const profile = await resolveProfile(profileFile, {});
const credentials = cliCredentials({ groupPskFile, passwordFile, username: profile.username });
const dataPlane = createInProcessDataPlane();
// as a service that knows its profile would: even the first connect finds its key pair made
prepareConnect(profile);
const print = (line: string) => process.stdout.write(line);
const render = jsonRenderer(print);
let connection: VpnConnection | undefined;
let connects = 0;
type StopProfile = (file: string) => Promise<void>;
/** Started before the bench sends "connect", so the profiler's own start is not timed. */
let armedProfile: StopProfile | undefined;

/** Starts the V8 sampling profiler; the returned function stops it and writes the profile. */
async function startProfile(): Promise<StopProfile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: PROFILE_SAMPLING_US });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile: cpuProfile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(cpuProfile));
    session.disconnect();
  };
}

/** Prints a line for the bench once the next connect's profile is armed (with --cpu-prof-dir). */
async function announce(type: 'ready' | 'closed'): Promise<void> {
  if (values['cpu-prof-dir']) armedProfile = await startProfile();
  print(`${JSON.stringify({ type })}\n`);
}

async function handle(command: string): Promise<void> {
  if (command === 'connect') {
    if (connection) throw new Error('already connected');
    connects += 1;
    connection = connect({ profile, credentials, dataPlane, skipDns: true });
    connection.onEvent(render);
    const stopProfile = armedProfile;
    armedProfile = undefined;
    if (stopProfile) {
      const file = join(values['cpu-prof-dir']!, `connect-${connects}.cpuprofile`);
      void connection.connected.then(
        () => stopProfile(file),
        () => stopProfile(file),
      );
    }
  } else if (command === 'disconnect') {
    if (!connection) throw new Error('not connected');
    const closing = connection;
    connection = undefined;
    await closing.disconnect();
    await closing.closed;
    await announce('closed');
  } else {
    throw new Error(`unknown command "${command}"`);
  }
}

const lines = createInterface({ input: process.stdin });
await announce('ready');
// one command at a time, in order
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(() => handle(line.trim()));
});
// stdin closed: disconnect, then exit even if the data plane still holds handles
lines.on('close', () => {
  void queue
    .then(() => (connection ? handle('disconnect') : undefined))
    .then(() => process.exit(0));
});
