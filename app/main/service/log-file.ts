// The desktop service's log on disk, so a help desk can read what happened after a restart: the
// engine's log lines and diagnoses in the user's state directory, in size-capped files that
// rotate (roadwarrior.log, .1, .2, ...). Only engine events are written: they carry no secret.
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { diagnosisText } from '../../shared/ipc-diagnosis-text.js';
import { formatLogLine } from '../../shared/ipc-log-text.js';
import type { ServiceListener } from './service-bus.js';

export const LOG_FILE_NAME = 'roadwarrior.log';

/** $XDG_STATE_HOME/roadwarrior, else ~/.local/state/roadwarrior (XDG base directory spec). */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'roadwarrior');
}

export interface RotatingLogOptions {
  /** one file's size limit in bytes */
  maxBytes?: number;
  /** rotated files kept besides the current one */
  keep?: number;
}

export class RotatingLogFile {
  readonly path: string;
  private size: number;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    readonly dir: string,
    options: RotatingLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
    this.keep = options.keep ?? 3;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, LOG_FILE_NAME);
    this.size = sizeOf(this.path);
  }

  append(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    appendFileSync(this.path, text, { mode: 0o600 });
    this.size += bytes;
  }

  /** roadwarrior.log -> .1 -> .2 ...; the oldest beyond `keep` goes */
  private rotate(): void {
    rmSync(`${this.path}.${this.keep}`, { force: true });
    for (let index = this.keep - 1; index >= 1; index--)
      renameIfThere(`${this.path}.${index}`, `${this.path}.${index + 1}`);
    renameIfThere(this.path, `${this.path}.1`);
    this.size = 0;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** A service listener that writes the engine's log lines and diagnoses to `file`; a full or
 * unwritable disk costs the file, never the connection. */
export function logFileWriter(file: RotatingLogFile): ServiceListener {
  let failed = false;
  return (message) => {
    if (message.name !== 'engine' || failed) return;
    const { event } = message.payload;
    const text =
      event.type === 'log'
        ? `${formatLogLine(event)}\n`
        : event.type === 'diagnosis'
          ? `${new Date(event.at).toISOString()} ${diagnosisText(event)}`
          : undefined;
    if (text === undefined) return;
    try {
      file.append(text);
    } catch (error) {
      failed = true;
      console.error(`roadwarrior: the log file ${file.path} stopped: ${(error as Error).message}`);
    }
  };
}
