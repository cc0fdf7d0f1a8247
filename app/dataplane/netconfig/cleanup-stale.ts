// Restores what a crashed run left configured: replays the crash records of processes that are
// gone (the builtin journal backwards, or the script with reason=disconnect) and deletes them.
import { rm } from 'node:fs/promises';
import { type CrashRecord, currentNetnsInode, readCrashRecords } from './crash-record.js';
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
  /** records that could not be replayed completely (kept) or read (deleted), with the reason */
  failed: string[];
}

export async function cleanupStale(
  stateDir: string,
  options: { timeoutMs?: number } = {},
): Promise<CleanupReport> {
  const report: CleanupReport = { restored: [], skipped: [], elsewhere: [], failed: [] };
  const here = currentNetnsInode();
  for (const { path, record, error } of await readCrashRecords(stateDir)) {
    if (!record) {
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
      const left = await replay(record, options.timeoutMs);
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

async function replay(record: CrashRecord, timeoutMs: number | undefined): Promise<string[]> {
  const commands = new SystemCommands({ netns: record.netns, timeoutMs });
  if (record.kind === 'builtin') return replayUndo(record.journal, commands);
  try {
    await runVpncScript(commands, record.script, record.env);
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
