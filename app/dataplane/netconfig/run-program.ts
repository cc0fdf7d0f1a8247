// Runs one program without a shell (arguments and environment values are never interpolated),
// feeds it stdin, collects its output and kills its whole process group on timeout so a hung
// script cannot leave helpers behind.
import { spawn } from 'node:child_process';

export interface ProgramRun {
  file: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs: number;
}

export interface ProgramResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Resolves with the outcome of the run; rejects only when the program could not be started
 * (the error carries the errno code: ENOENT, EACCES, ...). */
export function runProgram(run: ProgramRun): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.file, run.args, {
      env: run.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // own process group, so the timeout can kill what a script started too
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // a program that exits without reading its input must not fail the run with EPIPE
    child.stdin.on('error', () => undefined);
    child.stdin.end(run.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
    }, run.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, stdout, stderr });
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

/** The last non-empty line of a program's stderr: what the user needs to see of a failure. */
export function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1)?.trim() ?? '';
}
