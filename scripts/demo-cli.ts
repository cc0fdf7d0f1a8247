// `npm run demo -- --cli`: `roadwarrior connect` in the lab's client namespace, a ping through
// the tunnel once it is up, live state until Ctrl-C.
import { spawn } from 'node:child_process';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS } from '../test/lab/index.js';
import { CLI_ENTRY } from '../test/support/cli-process.js';
import { clientFiles, connectArgs } from '../test/support/interop.js';
import type { DemoFailure, RunningDemo } from './demo-part.js';

export async function startCliDemo(lab: Lab, fail: DemoFailure): Promise<RunningDemo> {
  const files = clientFiles({}, LAB_DEFAULTS.groupPsk, LAB_DEFAULTS.users[0]!.password);
  console.log(
    `client namespace ${lab.names.cli}: ip netns exec ${lab.names.cli} ping ${LAB_ADDRESSES.lanHost}\n`,
  );
  const cli = spawn(
    'ip',
    ['netns', 'exec', lab.names.cli, process.execPath, CLI_ENTRY, ...connectArgs(files)],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const exited = new Promise((resolve) => cli.once('exit', resolve));
  let pinged = false;
  cli.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (!pinged && chunk.toString().includes('connected to')) {
      pinged = true;
      void lab
        .execInClient('ping', ['-c', '3', '-i', '0.3', LAB_ADDRESSES.lanHost])
        .then((r) =>
          console.log(`\n${r.stdout}\ntunnel up: press Ctrl-C to disconnect and clean up`),
        )
        .catch((e: Error) => console.error(`ping through the tunnel failed: ${e.message}`));
    }
  });
  cli.once('exit', (code) => {
    if (!pinged) fail(`the client exited (${code}) before connecting`);
  });
  return {
    stop: async () => {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGTERM');
      await exited;
      files.remove();
    },
  };
}
