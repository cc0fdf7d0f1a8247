// The undo journal: for every change made, the command that reverses it. Replayed newest first
// by undo() and by the stale-state cleanup after a crash; things that are gone already (the TUN
// vanished and took its routes and address with it) count as undone.
import { z } from 'zod';
import type { SystemCommands } from './system-commands.js';

/** The only sysctls a journal may set back: an interface's reverse-path filter. */
export const RP_FILTER_KEY = /^net\.ipv4\.conf\.[A-Za-z0-9_-]{1,15}\.rp_filter$/;

/** The only nftables table a journal may delete: lockdown's (lockdown.ts). */
export const LOCKDOWN_TABLE = 'roadwarrior_lockdown';

/** Schema as well as type: journals are read back from crash records. */
export const journalEntrySchema = z.object({
  what: z.string(),
  undo: z.discriminatedUnion('program', [
    z.object({ program: z.literal('ip'), args: z.array(z.string()) }),
    z.object({ program: z.literal('resolvectl'), file: z.string(), args: z.array(z.string()) }),
    z.object({
      program: z.literal('sysctl'),
      key: z.string().regex(RP_FILTER_KEY),
      value: z.enum(['0', '1', '2']),
    }),
    z.object({ program: z.literal('nft'), table: z.literal(LOCKDOWN_TABLE) }),
  ]),
});

export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** Messages meaning "nothing left to undo": ESRCH for routes, device gone, address gone,
 * resolvectl's unknown link, a sysctl of a vanished device, and the whole namespace gone. */
const ALREADY_GONE =
  /No such process|Cannot find device|No such device|Address not found|Cannot assign requested address|Failed to resolve interface|Unknown interface|cannot stat \/proc\/sys|No such file or directory|Cannot open network namespace/i;

/** Runs the journal backwards: consecutive `ip` undos as one forced batch. Returns what could
 * not be undone, in words; empty when everything is back. */
export async function replayUndo(
  entries: readonly JournalEntry[],
  commands: SystemCommands,
): Promise<string[]> {
  const failures: string[] = [];
  for (const run of consecutiveRuns([...entries].reverse())) {
    const first = run[0];
    if (first === undefined) continue;
    try {
      if (first.undo.program === 'ip') {
        const { errors } = await commands.ipBatch(
          // consecutiveRuns keeps `ip` runs pure
          run.flatMap((entry) => (entry.undo.program === 'ip' ? [entry.undo.args] : [])),
          'force',
        );
        for (const error of errors) {
          if (!ALREADY_GONE.test(error.message))
            failures.push(`${run[error.line]?.what ?? 'ip'}: ${error.message}`);
        }
      } else {
        const { undo } = first;
        const result =
          undo.program === 'sysctl'
            ? await commands.tool('sysctl', ['-q', '-w', `${undo.key}=${undo.value}`])
            : undo.program === 'nft'
              ? await commands.tool('nft', ['delete', 'table', 'inet', undo.table])
              : await commands.tool(undo.file, undo.args);
        if (result.exitCode !== 0 && !ALREADY_GONE.test(result.stderr)) {
          failures.push(`${first.what}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!ALREADY_GONE.test(message)) failures.push(`${first.what}: ${message}`);
    }
  }
  return failures;
}

/** Groups neighbouring `ip` undos (one process for all of them); other programs run alone. */
function consecutiveRuns(entries: readonly JournalEntry[]): JournalEntry[][] {
  const runs: JournalEntry[][] = [];
  for (const entry of entries) {
    const last = runs.at(-1);
    const lastProgram = last?.[0]?.undo.program;
    if (last && entry.undo.program === 'ip' && lastProgram === 'ip') last.push(entry);
    else runs.push([entry]);
  }
  return runs;
}
