// Crash records: before changing anything, a configurator writes down how to take it back, so
// a later run can restore the network when this process died without undoing (SIGKILL, power
// to the helper cut). Removed after a clean undo.
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { journalEntrySchema } from './undo-journal.js';

/** tmpfs on Linux: records vanish at reboot, together with the state they describe. */
export const DEFAULT_STATE_DIR = '/run/roadwarrior';

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
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.tmp`;
    const stamped =
      record.netns === undefined ? { ...record, netnsInode: currentNetnsInode() } : record;
    writeFileSync(temporary, JSON.stringify(stamped), { mode: 0o600 });
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
          return {
            path,
            record: crashRecordSchema.parse(JSON.parse(await readFile(path, 'utf8'))),
          };
        } catch (error) {
          return { path, error: error instanceof Error ? error.message : String(error) };
        }
      }),
  );
}
