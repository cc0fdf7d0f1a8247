// Crash records: before changing anything, a configurator writes down how to take it back, so
// a later run can restore the network when this process died without undoing (SIGKILL, power
// to the helper cut). Removed after a clean undo. They are replayed as root, so only a regular
// file this user (root) owns with mode 0600, opened without following a symlink, is believed.
import {
  closeSync,
  constants,
  fchmodSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { journalEntrySchema } from './undo-journal.js';

/** tmpfs on Linux: records vanish at reboot, together with the state they describe. A directory
 * of their own (0700) below the helper's socket directory (0755): narrowing one never makes the
 * other unreachable. */
export const DEFAULT_STATE_DIR = '/run/roadwarrior/records';
const STATE_DIR_MODE = 0o700;
const PARENT_DIR_MODE = 0o755;
const RECORD_MODE = 0o600;

const RECORD_FILE = /^netconfig-\d+-[A-Za-z0-9_.-]+\.json$/;

const recordBase = {
  version: z.literal(1),
  /** the process that made the changes: the record is stale once it is dead */
  pid: z.number().int().positive(),
  netns: z.string().optional(),
  /** without `netns`: the network namespace the changes were made in (device:inode of
   * /proc/self/ns/net). The state directory is shared by every namespace of the host, and a
   * journal replayed in another namespace would undo nothing there, or the wrong things. */
  netnsInode: z.string().optional(),
  tunName: z.string(),
};

const crashRecordSchema = z.discriminatedUnion('kind', [
  z.object({ ...recordBase, kind: z.literal('builtin'), journal: z.array(journalEntrySchema) }),
  /** env: everything needed to call the script with reason=disconnect */
  z.object({
    ...recordBase,
    kind: z.literal('script'),
    script: z.string(),
    env: z.record(z.string(), z.string()),
  }),
]);

export type CrashRecord = z.infer<typeof crashRecordSchema>;

export class CrashRecordFile {
  readonly path: string;

  constructor(
    private readonly stateDir: string,
    tunName: string,
  ) {
    this.path = join(stateDir, `netconfig-${process.pid}-${tunName}.json`);
  }

  /** Replaces the record atomically: a crash mid-write leaves the previous version.
   * Synchronous: on the tmpfs state directory the four system calls take tens of µs, while
   * each of them through libuv's thread pool costs an event-loop round trip, and the connect
   * waits for the record before it may change the network. */
  write(record: CrashRecord): void {
    mkdirSync(dirname(this.stateDir), { recursive: true, mode: PARENT_DIR_MODE });
    mkdirSync(this.stateDir, { recursive: true, mode: STATE_DIR_MODE });
    const temporary = `${this.path}.tmp`;
    const stamped =
      record.netns === undefined ? { ...record, netnsInode: currentNetnsInode() } : record;
    const fd = openSync(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      RECORD_MODE,
    );
    try {
      fchmodSync(fd, RECORD_MODE); // a leftover temporary may have had another mode
      writeSync(fd, JSON.stringify(stamped));
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** This process's network namespace as device:inode; undefined where there is none (not Linux). */
export function currentNetnsInode(): string | undefined {
  try {
    const { dev, ino } = statSync('/proc/self/ns/net');
    return `${dev}:${ino}`;
  } catch {
    return undefined;
  }
}

export interface StoredRecord {
  path: string;
  /** absent when the file could not be read as a record */
  record?: CrashRecord;
  error?: string;
  /** set when the file is not one this process can trust (left in place, never replayed) */
  untrusted?: string;
}

export async function readCrashRecords(stateDir: string): Promise<StoredRecord[]> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return Promise.all(
    names
      .filter((name) => RECORD_FILE.test(name))
      .map(async (name): Promise<StoredRecord> => {
        const path = join(stateDir, name);
        try {
          return await readTrusted(path);
        } catch (error) {
          return { path, error: error instanceof Error ? error.message : String(error) };
        }
      }),
  );
}

/** Opens without following a symlink (ELOOP) and without blocking on a FIFO, then judges the
 * file it opened (fstat), so it cannot be swapped between the check and the read. */
async function readTrusted(path: string): Promise<StoredRecord> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      return { path, untrusted: 'a symbolic link' };
    }
    throw error;
  }
  try {
    const stats = await file.stat();
    const uid = process.geteuid?.() ?? 0;
    const untrusted = !stats.isFile()
      ? 'not a regular file'
      : stats.uid !== uid
        ? `owned by uid ${stats.uid}, not ${uid}`
        : (stats.mode & 0o7777) !== RECORD_MODE
          ? `mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')}, not 0600`
          : undefined;
    if (untrusted !== undefined) return { path, untrusted };
    return { path, record: crashRecordSchema.parse(JSON.parse(await file.readFile('utf8'))) };
  } finally {
    await file.close();
  }
}
