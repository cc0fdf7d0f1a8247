// What every `roadwarrior` subcommand shares: its usage (declared once, in its own module
// beside its option table), `--help`/`-h`, and the command line's exit codes: 0 after help,
// 1 for a failure named in one line, 2 for a command line it cannot accept.
import { parseArgs } from 'node:util';

export interface Subcommand {
  /** "usage: roadwarrior NAME ..." lines: what `NAME --help` prints (stdout, exit 0) and what
   * follows a refused command line (stderr, exit 2) */
  usage: string;
  /** runs with the arguments after the subcommand's name; resolves with the exit code */
  run(argv: string[]): Promise<number>;
}

/** A command line the subcommand refuses beyond what parseArgs checks (a bad value): exit 2. */
export class UsageError extends Error {}

/** A failure the user can act on, said in one line (`roadwarrior: <message>`): exit 1. */
export class CommandFailure extends Error {}

/** Is `--help` or `-h` among the options (before any `--`)? Read without the option table, so
 * help works even on a command line the subcommand would refuse. */
export function asksForHelp(argv: string[]): boolean {
  const { tokens } = parseArgs({ args: argv, strict: false, allowPositionals: true, tokens: true });
  return tokens.some((t) => t.kind === 'option' && (t.name === 'help' || t.name === 'h'));
}

/** parseArgs' own refusals (unknown option, missing value) and our UsageError */
export function isUsageError(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    (error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS'))
  );
}
