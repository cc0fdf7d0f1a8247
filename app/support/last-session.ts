// The last session record of each profile (status's SA details, counters and diagnosis), kept
// in the user's state directory when a `connect` ends, so a support bundle made after a failed
// or finished connection still shows them. One small file per profile, 0600, replaced
// atomically; engine events only, so no secret.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDirectory } from '../main/service/log-file.js';
import { safeFileName } from './capture-file.js';

/** $XDG_STATE_HOME/roadwarrior/last-sessions */
export function lastSessionDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'last-sessions');
}

/** Keeps `record` as the profile's last session; a disk that refuses it costs the file only. */
export function keepLastSession(dir: string, profile: string, record: unknown): void {
  const path = join(dir, `${safeFileName(profile)}.json`);
  const partial = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(partial, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(partial, path);
  } catch {
    // the bundle goes without it
  }
}

/** The kept records, unreadable ones skipped. */
export function readLastSessions(dir: string): unknown[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.sort().flatMap((name) => {
    try {
      return [JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown];
    } catch {
      return [];
    }
  });
}
