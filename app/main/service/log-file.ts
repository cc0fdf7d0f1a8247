// The desktop service's log on disk, so a help desk can read what happened after a restart: the
// engine's log lines and diagnoses in the user's state directory, in size-capped files that
// rotate (roadwarrior.log, .1, .2, ...). Only engine events are written: they carry no secret.
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { diagnosisText, logLineText } from '../../shared/ui/event-text.js';
import type { ServiceListener } from './service-bus.js';

export const LOG_FILE_NAME = 'roadwarrior.log';
/** The line the service writes when it opens the log: one run of the app begins there. */
const SESSION_MARK = '=== roadwarrior started ';

/** One run of the app in the saved log: when it started and its lines. */
export interface LogSession {
  startedAt: string;
  lines: number;
  text: string;
}

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

  /** Marks the start of a run of the app (readLogSessions splits there). */
  startSession(now = new Date()): void {
    this.append(`${SESSION_MARK}${now.toISOString()} ===\n`);
  }

  /** Every file, oldest first (the rotated ones that exist, then the current one). */
  files(): string[] {
    const rotated = Array.from({ length: this.keep }, (_, i) => `${this.path}.${this.keep - i}`);
    return [...rotated, this.path].filter((path) => sizeOf(path) > 0);
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

/** The saved log's runs of the app, oldest first; lines whose run began in a file rotated
 * away form a run of their own, dated by their first line. */
export function readLogSessions(file: RotatingLogFile): LogSession[] {
  const lines = file
    .files()
    .map((path) => readFileSync(path, 'utf8'))
    .join('')
    .split('\n')
    .filter((line) => line !== '');
  const sessions: { startedAt: string; lines: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith(SESSION_MARK)) {
      sessions.push({ startedAt: line.slice(SESSION_MARK.length).split(' ')[0] ?? '', lines: [] });
      continue;
    }
    if (sessions.length === 0) sessions.push({ startedAt: line.split(' ')[0] ?? '', lines: [] });
    sessions.at(-1)?.lines.push(line);
  }
  return sessions.map((s) => ({
    startedAt: s.startedAt,
    lines: s.lines.length,
    text: s.lines.join('\n'),
  }));
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
        ? `${logLineText(event)}\n`
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
