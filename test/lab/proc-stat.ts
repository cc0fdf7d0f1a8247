// /proc/<pid>/stat read for the lab's process bookkeeping (proc(5)).
import { readFileSync } from 'node:fs';

/** The fields after the command name (state first), or undefined once the pid is gone. */
function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) may contain spaces and parentheses: count from its closing ')'
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Start time (field 22, clock ticks since boot) of a running process; undefined if gone or dead. */
export function processStartTime(pid: number): string | undefined {
  const fields = statFields(pid);
  return fields === undefined || fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}

/** Running and not dead: an orphan's zombie lingers until its reaper collects it. */
export function processRunning(pid: number): boolean {
  return processStartTime(pid) !== undefined;
}
