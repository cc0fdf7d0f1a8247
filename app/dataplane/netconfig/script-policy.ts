// Where a vpnc-script run as root may come from: a real path inside an admin directory, the
// file and every directory above it root-owned and not group/world-writable. Checked by the
// helper before a caller's script runs, and again before a crash record's script is replayed.
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, sep } from 'node:path';

export type ScriptVerdict = { ok: true; path: string } | { ok: false; reason: string };

/** Accepts a script only when its real path lies inside an allowed directory and the file and
 * every directory above it are root-owned and not group/world-writable, so no user can have
 * put it there or swap it later. Returns the resolved path, which is what must be run. */
export async function checkScriptPath(
  path: string,
  allowedDirs: readonly string[],
): Promise<ScriptVerdict> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return { ok: false, reason: `${path} does not exist` };
  }
  if (!(await insideAny(real, allowedDirs))) {
    return {
      ok: false,
      reason: `${path} is not inside an admin-owned script directory (${allowedDirs.join(', ')})`,
    };
  }
  const file = await stat(real);
  if (!file.isFile()) return { ok: false, reason: `${real} is not a regular file` };
  for (let current = real; ; current = dirname(current)) {
    const problem = notAdminOwned(current === real ? file : await stat(current));
    if (problem) return { ok: false, reason: `${current} is ${problem}` };
    if (current === dirname(current)) return { ok: true, path: real };
  }
}

async function insideAny(real: string, allowedDirs: readonly string[]): Promise<boolean> {
  for (const dir of allowedDirs) {
    const realDir = await realpath(dir).catch(() => undefined);
    if (realDir !== undefined && real.startsWith(realDir.endsWith(sep) ? realDir : realDir + sep)) {
      return true;
    }
  }
  return false;
}

function notAdminOwned(stats: Stats): string | undefined {
  if (stats.uid !== 0) return `owned by uid ${stats.uid}, not root`;
  if ((stats.mode & 0o022) !== 0) return 'writable by group or others';
  return undefined;
}
