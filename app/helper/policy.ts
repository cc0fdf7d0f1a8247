// What the helper refuses no matter what the caller sends: it runs as root, so nothing a user
// supplies may name a program to run or a privileged port to take.
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, sep } from 'node:path';

/** Directories only an administrator can write: a vpnc-script is honoured only from here
 * (plus any managed-profile directory the admin adds with --script-dir). */
export const DEFAULT_SCRIPT_DIRS: readonly string[] = [
  '/etc/roadwarrior/scripts',
  '/usr/share/vpnc-scripts',
  '/etc/vpnc',
];

/** IKE (RFC 2409 / RFC 7296 2) and NAT-T (RFC 3948 2.1) ports: the only privileged local
 * ports a caller may ask for; 0 means ephemeral. */
const IKE_PORTS: ReadonlySet<number> = new Set([0, 500, 4500]);
const FIRST_UNPRIVILEGED_PORT = 1024;

export type ScriptVerdict = { ok: true; path: string } | { ok: false; reason: string };

/** The reason a requested local port is refused, or undefined when it is allowed. */
export function localPortProblem(port: number | undefined): string | undefined {
  if (port === undefined || IKE_PORTS.has(port) || port >= FIRST_UNPRIVILEGED_PORT)
    return undefined;
  return `local port ${port} is privileged and not an IKE port (0, 500, 4500 or >= ${FIRST_UNPRIVILEGED_PORT})`;
}

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
