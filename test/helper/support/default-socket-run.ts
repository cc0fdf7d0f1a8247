// Child-process entry, run by the test under `unshare --mount --pid --fork --kill-child`: a
// private tmpfs on /run/roadwarrior, the real helper on its default socket inside namespace
// argv[2] (serving uid 65534), then `roadwarrior connect --json` as uid 65534 in that namespace
// with no --helper, for the client files argv[3..5] (profile, group key, password). Prints
// `helper: <line>` for the helper's log and `cli: <line>` for the CLI's output; everything dies
// with this process's PID namespace.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitForHelper } from '../../../app/helper/client.js';
import { DEFAULT_HELPER_SOCKET_PATH } from '../../../app/shared/helper-protocol.js';
import { CLI_ENTRY } from '../../support/cli-process.js';

const [ns, profile, psk, password] = process.argv.slice(2);
if (!ns || !profile || !psk || !password) throw new Error('usage: NS PROFILE PSK PASSWORD');
const inNamespace = ['ip', 'netns', 'exec', ns];

function relay(child: ChildProcess, prefix: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => console.log(prefix + line));
  }
}

execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run/roadwarrior']);
const helperEntry = fileURLToPath(new URL('./real-helper-process.ts', import.meta.url));
const [ip, ...helperArgs] = [
  ...inNamespace,
  ...[process.execPath, '--import', 'tsx', helperEntry, '--allow-uid', '65534'],
];
relay(spawn(ip as string, helperArgs), 'helper: ');
await waitForHelper({ socketPath: DEFAULT_HELPER_SOCKET_PATH, timeoutMs: 10_000, intervalMs: 50 });
const cliArgs = [
  ...['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_ENTRY],
  ...['connect', '--json', '--no-dns', '--profile', profile],
  ...['--group-psk-file', psk, '--password-file', password],
];
relay(spawn(ip as string, [...inNamespace.slice(1), ...cliArgs]), 'cli: ');
