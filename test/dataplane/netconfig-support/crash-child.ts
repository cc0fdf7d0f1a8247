// Runs apply-then-hang.ts in a child process and SIGKILLs it once the network is configured:
// a crash that leaves the changes and the crash record behind.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ConfiguratorOptions } from '../../../app/dataplane/netconfig/index.js';
import type { NetworkSetup } from '../../../app/shared/network-setup.js';

const CHILD = fileURLToPath(new URL('./apply-then-hang.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Returns the dead child's pid. */
export async function applyInChildThenKill(
  setup: NetworkSetup,
  options: ConfiguratorOptions,
): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, JSON.stringify({ setup, options })],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('applied\n')) resolve();
    });
    void exited.then(() => reject(new Error(`child exited before applying: ${stderr}`)));
  });
  child.kill('SIGKILL');
  await exited;
  if (child.pid === undefined) throw new Error('child had no pid');
  return child.pid;
}
