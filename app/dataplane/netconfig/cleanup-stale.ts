// Restores what a crashed run left configured: replays the crash records of processes that are
// gone (the builtin journal backwards, or the script with reason=disconnect) and deletes them.
import { rm } from 'node:fs/promises';
import { type CrashRecord, currentNetnsInode, readCrashRecords } from './crash-record.js';
import { checkScriptPath } from './script-policy.js';
import { SystemCommands } from './system-commands.js';
import { replayUndo } from './undo-journal.js';
import { runVpncScript } from './vpnc-script-run.js';

export interface CleanupReport {
  /** records replayed and deleted */
  restored: string[];
  /** records of processes still running */
  skipped: string[];
  /** records made in another network namespace, left for a run there */
  elsewhere: string[];
  /** records that could not be replayed completely (kept), read (deleted) or trusted (kept,
   * never replayed: a symlink, another owner, a mode other than 0600), with the reason */
  failed: string[];
}

export interface CleanupOptions {
  /** limit per program run */
  timeoutMs?: number;
  /** when set, a recorded vpnc-script is replayed only if it still passes the script policy
   * for these directories (the helper's; a root CLI replays what its root user chose) */
  scriptDirs?: readonly string[];
}

export async function cleanupStale(
  stateDir: string,
  options: CleanupOptions = {},
): Promise<CleanupReport> {
  const report: CleanupReport = { restored: [], skipped: [], elsewhere: [], failed: [] };
  const here = currentNetnsInode();
  for (const { path, record, error, untrusted } of await readCrashRecords(stateDir)) {
    if (untrusted !== undefined) {
      report.failed.push(
        `${path}: ignored, ${untrusted} (a crash record must be a root-owned 0600 file)`,
      );
    } else if (!record) {
      await rm(path, { force: true });
      report.failed.push(`${path}: unreadable, deleted (${error ?? 'unknown'})`);
    } else if (isRunning(record.pid)) {
      report.skipped.push(path);
    } else if (
      record.netns === undefined &&
      record.netnsInode !== undefined &&
      record.netnsInode !== here
    ) {
      report.elsewhere.push(path);
    } else {
      const left = await replay(record, options);
      if (left.length === 0) {
        await rm(path, { force: true });
        report.restored.push(path);
      } else {
        report.failed.push(`${path}: ${left.join('; ')}`);
      }
    }
  }
  return report;
}

async function replay(record: CrashRecord, options: CleanupOptions): Promise<string[]> {
  const commands = new SystemCommands({ netns: record.netns, timeoutMs: options.timeoutMs });
  if (record.kind === 'builtin') return replayUndo(record.journal, commands);
  let script = record.script;
  if (options.scriptDirs !== undefined) {
    const verdict = await checkScriptPath(script, options.scriptDirs);
    if (!verdict.ok) return [`script refused on replay: ${verdict.reason}`];
    script = verdict.path;
  }
  try {
    await runVpncScript(commands, script, record.env);
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
