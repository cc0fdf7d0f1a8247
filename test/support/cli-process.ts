// Runs `roadwarrior connect --json` as a child process (optionally inside a network namespace)
// and gives tests its events, its stderr and its exit code.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EngineEvent } from '../../app/shared/events.js';
import { EngineEventSchema } from '../../app/shared/events.js';

export const CLI_ENTRY = fileURLToPath(new URL('../../bin/roadwarrior.mjs', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  events: EngineEvent[];
  stdoutLines: string[];
  stderr: () => string;
  waitFor<T extends EngineEvent>(
    predicate: (event: EngineEvent) => event is T,
    timeoutMs: number,
    what: string,
  ): Promise<T>;
  waitFor(
    predicate: (event: EngineEvent) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<EngineEvent>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runCli(
  args: string[],
  options: { netns?: string; env?: NodeJS.ProcessEnv; asUser?: number } = {},
): CliRun {
  const user =
    options.asUser === undefined
      ? []
      : ['setpriv', `--reuid=${options.asUser}`, `--regid=${options.asUser}`, '--clear-groups'];
  const node = [...user, process.execPath, CLI_ENTRY, ...args];
  const [command, ...argv] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...node] : node;
  const child = spawn(command!, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const events: EngineEvent[] = [];
  const stdoutLines: string[] = [];
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdoutLines.push(line);
    const parsed = EngineEventSchema.safeParse(JSON.parse(line));
    if (!parsed.success)
      throw new Error(`CLI printed an event that does not match the schema: ${line}`);
    events.push(parsed.data);
    listeners.forEach((l) => l());
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      listeners.forEach((l) => l());
    }),
  );
  const waitFor = (predicate: (event: EngineEvent) => boolean, timeoutMs: number, what: string) =>
    new Promise<EngineEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(predicate);
        if (found) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(
            new Error(
              `CLI exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr: ${stderr}; last events: ${stdoutLines.slice(-5).join('\n')}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr}; last events: ${stdoutLines.slice(-8).join('\n')}`,
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
  return {
    child,
    events,
    stdoutLines,
    stderr: () => stderr,
    waitFor: waitFor as CliRun['waitFor'],
    exit,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}
