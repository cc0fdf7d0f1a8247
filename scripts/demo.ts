// `npm run demo`: a throwaway strongSwan head-end in network namespaces, Roadwarrior connected
// to it, a ping through the tunnel, live state until Ctrl-C; then every namespace and process
// made here is removed.
import { spawn } from 'node:child_process';
import { startLab, LAB_ADDRESSES, LAB_DEFAULTS } from '../test/lab/index.js';
import { CLI_ENTRY } from '../test/support/cli-process.js';
import { clientFiles, connectArgs } from '../test/support/interop.js';

const lab = await startLab();
const files = clientFiles({}, LAB_DEFAULTS.groupPsk, 'alice-secret');
console.log(
  `lab up: gateway ${LAB_ADDRESSES.gateway} (strongSwan, namespace ${lab.names.gw}), protected LAN ${LAB_ADDRESSES.lanNetwork}`,
);
console.log(
  `client namespace ${lab.names.cli}: ip netns exec ${lab.names.cli} ping ${LAB_ADDRESSES.lanHost}\n`,
);
const cli = spawn(
  'ip',
  ['netns', 'exec', lab.names.cli, process.execPath, CLI_ENTRY, ...connectArgs(files)],
  { stdio: ['ignore', 'inherit', 'pipe'] },
);
let pinged = false;
cli.stderr.on('data', (chunk: Buffer) => {
  process.stderr.write(chunk);
  if (!pinged && chunk.toString().includes('connected to')) {
    pinged = true;
    void lab
      .execInClient('ping', ['-c', '3', '-i', '0.3', LAB_ADDRESSES.lanHost])
      .then((r) => console.log(`\n${r.stdout}\ntunnel up: press Ctrl-C to disconnect and clean up`))
      .catch((e: Error) => console.error(`ping through the tunnel failed: ${e.message}`));
  }
});
const finish = async () => {
  cli.kill('SIGTERM');
  await new Promise((resolve) => cli.once('exit', resolve));
  files.remove();
  await lab.stop();
  console.log('demo cleaned up: namespaces, gateway and client are gone');
  process.exit(0);
};
process.once('SIGINT', () => void finish());
process.once('SIGTERM', () => void finish());
cli.once('exit', (code) => {
  if (!pinged) {
    console.error(`the client exited (${code}) before connecting`);
    void finish();
  }
});
