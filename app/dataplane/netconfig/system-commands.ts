// The OS commands the configurators run, optionally inside a named network namespace:
// `ip -n <ns>` for iproute2 (no mount namespace needed) and `ip netns exec <ns>` for other
// programs (a vpnc-script, resolvectl), which also bind-mounts /etc/netns/<ns>/* over /etc.
import { NetworkConfigError } from './errors.js';
import { type ProgramResult, lastLine, runProgram } from './run-program.js';

export interface CommandContext {
  /** network namespace to work in; the caller's own when absent */
  netns?: string | undefined;
  /** per program run, default 20 s */
  timeoutMs?: number | undefined;
}

export const DEFAULT_TIMEOUT_MS = 20_000;

/** One failed line of an `ip -batch` run (index into the lines given). */
export interface IpLineError {
  line: number;
  message: string;
}

/** iproute2 and resolvectl print English only in the C locale: their errors are matched.
 * Read per run, not at import: the CLI's startup snapshot would freeze the build's environment. */
const toolEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  LC_ALL: 'C',
  PATH: `${process.env['PATH'] ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`,
});

export class SystemCommands {
  readonly netns: string | undefined;
  readonly timeoutMs: number;

  constructor(context: CommandContext) {
    this.netns = context.netns;
    this.timeoutMs = context.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** One `ip -batch -` run: 'stop' ends at the first failing line (ip's default), 'force'
   * goes on and reports every failing line. Throws when ip itself could not run. */
  async ipBatch(
    lines: readonly (readonly string[])[],
    mode: 'stop' | 'force',
  ): Promise<{ stdout: string; errors: IpLineError[] }> {
    const args = [
      ...(this.netns === undefined ? [] : ['-n', this.netns]),
      ...(mode === 'force' ? ['-force'] : []),
      '-batch',
      '-',
    ];
    const input = lines.map((line) => line.join(' ')).join('\n') + '\n';
    const result = await this.runTool('ip', args, input);
    const errors = parseBatchErrors(result.stderr);
    if (result.exitCode !== 0 && errors.length === 0) {
      const why = result.timedOut
        ? 'timed out'
        : lastLine(result.stderr) || `exit ${result.exitCode}`;
      throw new NetworkConfigError('ip-failed', `ip ${args.join(' ')}: ${why}`);
    }
    return { stdout: result.stdout, errors };
  }

  /** A helper tool (ip, resolvectl) in the namespace, C locale. */
  tool(file: string, args: readonly string[]): Promise<ProgramResult> {
    return this.runTool(file, args, '');
  }

  /** Any program (a vpnc-script) in the namespace with exactly the environment given. */
  program(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProgramResult> {
    return runProgram({ ...this.wrap(file, args), env, timeoutMs: this.timeoutMs });
  }

  private runTool(file: string, args: readonly string[], input: string): Promise<ProgramResult> {
    const wrapped = file === 'ip' ? { file, args } : this.wrap(file, args);
    return runProgram({ ...wrapped, env: toolEnv(), input, timeoutMs: this.timeoutMs });
  }

  private wrap(file: string, args: readonly string[]): { file: string; args: readonly string[] } {
    const netns = this.netns;
    return netns === undefined
      ? { file, args }
      : { file: 'ip', args: ['netns', 'exec', netns, file, ...args] };
  }
}

/** ip -batch prints a failure's message lines, then "Command failed -:<line>". */
function parseBatchErrors(stderr: string): IpLineError[] {
  const errors: IpLineError[] = [];
  let pending: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    const failed = /^Command failed -:(\d+)$/.exec(line);
    if (failed) {
      errors.push({ line: Number(failed[1]) - 1, message: pending.join(' ') || 'failed' });
      pending = [];
    } else if (line !== '') {
      pending.push(line);
    }
  }
  return errors;
}
