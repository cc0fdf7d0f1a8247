// `npm run demo`: a throwaway strongSwan head-end in network namespaces and Roadwarrior in front
// of it: the desktop UI in a browser (scripts/demo-desktop.ts), or with `-- --cli` the command
// line client (scripts/demo-cli.ts). Ctrl-C removes every namespace and process made here.
import { parseArgs } from 'node:util';
import { type Lab, LAB_ADDRESSES, startLab } from '../test/lab/index.js';
import type { RunningDemo } from './demo-part.js';

const USAGE = `usage: npm run demo [-- --cli]
  a throwaway strongSwan head-end in network namespaces, and Roadwarrior connecting to it:
  by default the desktop UI, served to a browser on this machine (one URL is printed);
  --cli: the command-line client instead. Ctrl-C removes everything. Needs root.
`;

let options: { cli: boolean; help: boolean };
try {
  options = parseArgs({
    options: {
      cli: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  process.stderr.write(`demo: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

let lab: Lab | undefined;
let demo: RunningDemo | undefined;
let stopping: Promise<void> | undefined;

async function start(): Promise<void> {
  lab = await startLab();
  console.log(
    `lab up: strongSwan gateway ${LAB_ADDRESSES.gateway} behind a NAT (namespace ${lab.names.gw}), protected LAN ${LAB_ADDRESSES.lanNetwork}`,
  );
  // loaded here: --help and a refused command line need none of the client's code
  demo = options.cli
    ? await (await import('./demo-cli.js')).startCliDemo(lab, fail)
    : await (await import('./demo-desktop.js')).startDesktopDemo(lab, fail);
}

/** Undoes everything, once, whenever asked (a terminal's Ctrl-C may arrive twice: npm passes
 * it on too); waits for a start in progress so that nothing it creates is left behind. */
function finish(code: number): void {
  stopping ??= (async () => {
    await started.catch(() => undefined);
    await demo?.stop().catch((error: Error) => console.error(`demo: ${error.message}`));
    await lab?.stop();
    console.log('demo cleaned up: namespaces, gateway and client are gone');
    process.exit(code);
  })();
}

function fail(why: string): void {
  console.error(`demo: ${why}`);
  finish(1);
}

const started = start();
started.catch((error: Error) => fail(error.message));
process.on('SIGINT', () => finish(0));
process.on('SIGTERM', () => finish(0));
