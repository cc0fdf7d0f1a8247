// The packaged CLI (build/bundle-cli.mjs): the ESM bundle and the startup-snapshot launcher that
// `npm run build:cli` makes in a checkout's dist/cli, which is what users of the headless
// command run; the benchmarks build it from the checkout they measure.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from './progress.js';

/** This checkout's root. */
export const CHECKOUT = fileURLToPath(new URL('..', import.meta.url));

export const bundleOf = (checkout: string) => join(checkout, 'dist', 'cli', 'roadwarrior.mjs');
export const snapshotLauncherOf = (checkout: string) =>
  join(checkout, 'dist', 'cli', 'roadwarrior-fast');

/** Builds a checkout's packaged CLI with its own build script (its addons built already). */
export function buildPackagedCli(checkout = CHECKOUT): void {
  progress(`bundling the CLI of ${checkout} (build/bundle-cli.mjs)`);
  execFileSync(process.execPath, [join(checkout, 'build', 'bundle-cli.mjs')], {
    cwd: checkout,
    stdio: 'inherit',
  });
}
