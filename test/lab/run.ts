// Child processes for the lab: commands whose failures say what ran and what it printed,
// and the `ip netns exec` argv that puts a command into one of the lab's namespaces.
import { execFile } from 'node:child_process';

export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Kill the command (SIGTERM) after this long; default 10 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Reject when the command exits non-zero (default true); false resolves with the code. */
  check?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when a signal ended the command. */
  code: number | null;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A command line as a shell would show it, for error messages. */
export function describeCommand(command: string, args: readonly string[]): string {
  return [command, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a)))
    .join(' ');
}

/** The last `max` characters of `text`, marked when cut: error messages stay readable. */
export function tail(text: string, max = 2000): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `...${trimmed.slice(-max)}`;
}

export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { encoding: 'utf8', timeout, env: options.env, maxBuffer: MAX_OUTPUT_BYTES },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (error && (options.check ?? true)) {
          const why = error.killed
            ? `timed out after ${timeout} ms`
            : code !== null
              ? `exited ${code}`
              : `failed (${error.signal ?? error.message})`;
          const output = tail(stderr) || tail(stdout);
          reject(
            new Error(`${describeCommand(command, args)} ${why}${output ? `: ${output}` : ''}`),
          );
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
    // a command killed by a Ctrl-C to the whole process group closes its stdin early
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

// Runs "$@" after bind-mounting "$1" over /run. `ip netns exec` gives the command a private
// mount namespace (slave of the host's), so the bind mount is invisible outside it: pid
// files and sockets hard-wired to /run (charon.pid, /var/run/vpnc) land in the lab's directory.
const WITH_PRIVATE_RUN = 'mount --bind "$1" /run && shift && exec "$@"';

/** Arguments for `ip` that run `command args` inside `namespace`, optionally with `runDir` as /run. */
export function netnsExecArgs(
  namespace: string,
  command: string,
  args: readonly string[],
  runDir?: string,
): string[] {
  const inner = runDir ? ['sh', '-c', WITH_PRIVATE_RUN, 'sh', runDir, command] : [command];
  return ['netns', 'exec', namespace, ...inner, ...args];
}
