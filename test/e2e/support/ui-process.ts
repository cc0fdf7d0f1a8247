// `roadwarrior ui` as a child process (the head-end e2e starts it inside the lab's client
// namespace): resolves once it has printed its URL, and stops it the way a user would (SIGTERM).
import type { ChildProcess } from 'node:child_process';
import { CLI_ENTRY } from '../../support/cli-process.js';

/** how a command is started: child_process.spawn, or a lab namespace's spawn */
export type Spawner = (
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; stdio: ['ignore', 'pipe', 'pipe'] },
) => ChildProcess;

export interface UiProcess {
  url: string;
  /** everything it printed so far */
  output(): string;
  /** SIGTERM, then its exit code */
  stop(): Promise<number | null>;
}

const URL_LINE = /^Roadwarrior UI: (http:\/\/\S+)$/m;

export function startUiProcess(
  spawn: Spawner,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
): Promise<UiProcess> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'ui', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise<UiProcess>((resolve, reject) => {
    let started = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`roadwarrior ui ${why}; it printed:\n${output}`));
    };
    const timer = setTimeout(() => fail(`printed no URL within ${timeoutMs} ms`), timeoutMs);
    const collect = (chunk: string) => {
      output += chunk;
      const url = URL_LINE.exec(output)?.[1];
      if (started || url === undefined) return;
      started = true;
      clearTimeout(timer);
      resolve({ url, output: () => output, stop });
    };
    child.stdout?.setEncoding('utf8').on('data', collect);
    child.stderr?.setEncoding('utf8').on('data', collect);
    void exited.then((code) => {
      if (!started) fail(`exited (${code}) before printing its URL`);
    });
  });
}
