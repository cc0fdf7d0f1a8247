// What a running `roadwarrior connect` tells `roadwarrior status`: one small JSON file per
// connect process in this user's runtime directory, rewritten (atomically) as its events come
// and removed when it ends. Only the engine's own events go in: no secret ever reaches them.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  ConnectionStateSchema,
  CountersEventSchema,
  DiagnosisEventSchema,
  type EngineEvent,
  IkeSaEventSchema,
  IpsecSaEventSchema,
} from '../shared/events.js';

export const SessionRecordSchema = z.object({
  pid: z.number().int(),
  profile: z.string(),
  gateway: z.string(),
  startedAt: z.number(),
  state: ConnectionStateSchema,
  virtualIp: z.string().optional(),
  connectedAt: z.number().optional(),
  ike: IkeSaEventSchema.optional(),
  ipsec: z.array(IpsecSaEventSchema),
  counters: CountersEventSchema.optional(),
  diagnosis: DiagnosisEventSchema.optional(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

/** $XDG_RUNTIME_DIR/roadwarrior/sessions, else a per-user directory under the temp dir. */
export function sessionDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime
    ? join(runtime, 'roadwarrior', 'sessions')
    : join(tmpdir(), `roadwarrior-${process.getuid?.() ?? 'user'}`, 'sessions');
}

/** The record of one connect process, kept up to date from its engine events. A directory or
 * disk that refuses it costs `status` this tunnel, never the connection. */
export class SessionWriter {
  private record: SessionRecord;
  private readonly path: string;
  private broken = false;

  constructor(
    private readonly dir: string,
    start: { profile: string; gateway: string },
  ) {
    this.path = join(dir, `${process.pid}.json`);
    this.record = { pid: process.pid, ...start, startedAt: Date.now(), state: 'idle', ipsec: [] };
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      this.broken = true;
    }
    this.write();
  }

  readonly observe = (event: EngineEvent): void => {
    const next = applyToRecord(this.record, event);
    if (next === this.record) return;
    this.record = next;
    this.write();
  };

  /** the record as the last event left it */
  get current(): SessionRecord {
    return this.record;
  }

  remove(): void {
    this.broken = true;
    try {
      rmSync(this.path, { force: true });
    } catch {
      // never written: nothing to remove
    }
  }

  private write(): void {
    if (this.broken) return;
    const partial = `${this.path}.tmp`;
    try {
      writeFileSync(partial, JSON.stringify(this.record), { mode: 0o600 });
      renameSync(partial, this.path);
    } catch {
      this.broken = true;
    }
  }
}

function applyToRecord(record: SessionRecord, event: EngineEvent): SessionRecord {
  switch (event.type) {
    case 'state':
      return {
        ...record,
        state: event.state,
        ...(event.virtualIp ? { virtualIp: event.virtualIp } : {}),
        ...(event.state === 'connected' && !record.connectedAt ? { connectedAt: event.at } : {}),
      };
    case 'sa':
      if (event.kind === 'ike') return { ...record, ike: event };
      return {
        ...record,
        ipsec: [
          ...record.ipsec.filter((sa) => sa.id !== event.id),
          ...(event.status === 'installed' ? [event] : []),
        ],
      };
    case 'counters':
      return { ...record, counters: event };
    case 'diagnosis': {
      if (!event.cleared) return { ...record, diagnosis: event };
      if (record.diagnosis?.code !== event.code) return record;
      const { diagnosis: _cleared, ...rest } = record;
      return rest;
    }
    default:
      return record;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The sessions of running connect processes, oldest first; unreadable or stale files skipped. */
export function readSessions(dir: string): SessionRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const sessions: SessionRecord[] = [];
  for (const name of names) {
    try {
      const parsed = SessionRecordSchema.safeParse(
        JSON.parse(readFileSync(join(dir, name), 'utf8')),
      );
      if (parsed.success && alive(parsed.data.pid)) sessions.push(parsed.data);
    } catch {
      // removed while we read it, or half a file from a killed writer
    }
  }
  return sessions.sort((a, b) => a.startedAt - b.startedAt);
}
