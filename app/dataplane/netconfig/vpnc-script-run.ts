// Calls a vpnc-script once, the way vpnc does: no arguments, everything in the environment
// (inherited, minus stale contract variables, plus the contract), failures as typed errors.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { NetworkConfigError } from './errors.js';
import { lastLine } from './run-program.js';
import type { SystemCommands } from './system-commands.js';
import { CONTRACT_KEY } from './vpnc-script-env.js';

/** Runs the script with `env` (which carries `reason`); returns its stdout. */
export async function runVpncScript(
  commands: SystemCommands,
  script: string,
  env: Readonly<Record<string, string>>,
): Promise<string> {
  const reason = env['reason'] ?? '';
  const detail = { script, reason };
  // checked here, not left to exec: inside a namespace `ip netns exec` would hide the errno
  await checkRunnable(script, reason);
  const result = await commands.program(script, [], { ...inheritedEnvironment(), ...env });
  if (result.timedOut) {
    throw new NetworkConfigError(
      'script-timeout',
      `vpnc-script timed out after ${commands.timeoutMs} ms (${script}, reason ${reason})`,
      detail,
    );
  }
  if (result.exitCode !== 0) {
    const status =
      result.exitCode === null ? `was killed by ${result.signal}` : `exited ${result.exitCode}`;
    throw new NetworkConfigError(
      'script-failed',
      `vpnc-script ${status} (${script}, reason ${reason}): ${lastLine(result.stderr) || 'no error output'}`,
      detail,
    );
  }
  return result.stdout;
}

async function checkRunnable(script: string, reason: string): Promise<void> {
  let problem: 'not found' | 'is not an executable file' | undefined;
  try {
    if ((await stat(script)).isFile()) await access(script, constants.X_OK);
    else problem = 'is not an executable file';
  } catch (error) {
    problem =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'not found'
        : 'is not an executable file';
  }
  if (problem !== undefined) {
    throw new NetworkConfigError(
      problem === 'not found' ? 'script-missing' : 'script-not-executable',
      `vpnc-script ${script} ${problem} (reason ${reason})`,
      { script, reason },
    );
  }
}

function inheritedEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !CONTRACT_KEY.test(key)));
}
