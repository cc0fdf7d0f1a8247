// A long-running command on a pseudo-terminal (util-linux `script`), for tests of what a user at
// a terminal sees and types: answers typed once their prompt has appeared, output awaited by
// pattern, Ctrl-C through the terminal's line discipline.
import { spawn } from 'node:child_process';

export interface PtySession {
  /** everything the terminal showed so far */
  output(): string;
  /** Types each answer (then Enter) once its prompt has appeared after the previous one. */
  answer(prompts: [prompt: string, typed: string][], timeoutMs: number): Promise<void>;
  /** Resolves once the output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<void>;
  /** Writes to the terminal as typed keys ('\u0003' is Ctrl-C). */
  type(keys: string): void;
  /** the command's exit code (script passes it on with -e) */
  exit: Promise<number | null>;
  /** SIGKILL if it still runs (clean-up after a failed test). */
  kill(): Promise<number | null>;
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export function startPty(argv: string[], cwd = process.cwd()): PtySession {
  // `script` runs the command through $SHELL -c; `exec` makes the command the terminal's
  // foreground process itself. Without it dash (CI's /bin/sh) stays as a parent that Ctrl-C
  // kills, and `script` reports 130 whatever the command then does.
  const command = `exec ${argv.map(shellQuote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd });
  let output = '';
  const listeners = new Set<() => void>();
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
      listeners.forEach((l) => l());
    }),
  );
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    listeners.forEach((l) => l());
  });
  /** Resolves with `found()` once it is defined; rejects when the command ends or time is up. */
  const until = <T>(found: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      const check = () => {
        const value = found();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`the command ended before ${what}; terminal:\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; terminal:\n${output}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return {
    output: () => output,
    answer: async (prompts, timeoutMs) => {
      let seen = 0;
      for (const [prompt, typed] of prompts) {
        const at = await until(
          () => (output.includes(prompt, seen) ? output.indexOf(prompt, seen) : undefined),
          timeoutMs,
          `prompt ${JSON.stringify(prompt)}`,
        );
        seen = at + prompt.length;
        child.stdin.write(`${typed}\r`);
      }
    },
    waitFor: (pattern, timeoutMs, what) =>
      until(() => (pattern.test(output) ? true : undefined), timeoutMs, what).then(() => {}),
    type: (keys) => child.stdin.write(keys),
    exit,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exit;
    },
  };
}
