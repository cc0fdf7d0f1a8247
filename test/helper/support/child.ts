// Runs a TypeScript entry in a child Node process (optionally as another user through
// setpriv) and lets tests wait for lines it prints.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildRun {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** the first line (stdout or stderr) matching, waiting up to timeoutMs */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runTs(
  script: string,
  args: string[],
  options: { uid?: number; gid?: number; groups?: readonly number[]; command?: string[] } = {},
): ChildRun {
  const node = [
    process.execPath,
    '--import',
    'tsx',
    fileURLToPath(new URL(script, import.meta.url)),
    ...args,
  ];
  const privileges =
    options.uid === undefined
      ? []
      : [
          'setpriv',
          `--reuid=${options.uid}`,
          `--regid=${options.gid ?? options.uid}`,
          !options.groups?.length ? '--clear-groups' : `--groups=${options.groups.join(',')}`,
        ];
  const [command = '', ...rest] = [...(options.command ?? []), ...privileges, ...node];
  const child = spawn(command, rest, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (into: string[]) => (line: string) => {
    into.push(line);
    listeners.forEach((listener) => listener());
  };
  createInterface({ input: child.stdout }).on('line', collect(stdout));
  createInterface({ input: child.stderr }).on('line', collect(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      listeners.forEach((listener) => listener());
    }),
  );
  const waitForLine = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = [...stdout, ...stderr].find((line) => pattern.test(line));
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(
            new Error(
              `${script} exited before printing ${pattern}:\n${[...stdout, ...stderr].join('\n')}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${script} printed no ${pattern} within ${timeoutMs} ms:\n${[...stdout, ...stderr].join('\n')}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return { child, stdout, stderr, waitForLine, exited };
}

/** Kills the child if it still runs and waits for it to be gone. */
export async function stopChild(run: ChildRun, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(signal);
  await run.exited;
}
