// The built renderer `roadwarrior ui` serves. `npm ci` builds it (package.json "postinstall");
// in a source checkout a missing build, or one older than the renderer's sources, is rebuilt
// here with the project's own vite; anywhere else a missing build is one line, never a trace.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandFailure } from './subcommand.js';

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
/** what the renderer is built from: vite.config.ts's root, the shared contracts it imports */
const SOURCES = ['app/renderer', 'app/shared', 'vite.config.ts'];
const VITE = 'node_modules/vite/bin/vite.js';

export type UiBuildState = { state: 'fresh' } | { state: 'missing' | 'stale'; reason: string };

/** Is the build in staticDir there, and newer than every source file under `checkout`? */
export function uiBuildState(staticDir: string, checkout = CHECKOUT): UiBuildState {
  const index = join(staticDir, 'index.html');
  if (!existsSync(index))
    return { state: 'missing', reason: `the UI is not built (${index} is missing)` };
  const built = statSync(index).mtimeMs;
  for (const source of SOURCES) {
    const newer = newerFile(join(checkout, source), built);
    if (newer)
      return {
        state: 'stale',
        reason: `${relative(checkout, newer)} changed since the UI was built`,
      };
  }
  return { state: 'fresh' };
}

/**
 * Makes sure staticDir holds a current build: rebuilds it when it is the checkout's own build
 * output and vite is installed, else fails in one line. `write` tells the user what happens.
 */
export function ensureUiBuilt(
  staticDir: string,
  write: (text: string) => void,
  checkout = CHECKOUT,
): void {
  const build = uiBuildState(staticDir, checkout);
  if (build.state === 'fresh') return;
  const ownOutput = resolve(staticDir) === resolve(checkout, 'dist/renderer');
  const vite = join(checkout, VITE);
  if (!ownOutput || !existsSync(vite) || !existsSync(join(checkout, 'vite.config.ts'))) {
    // a stale build elsewhere (packaged, --static-dir) still works: only a missing one stops us
    if (build.state === 'stale') return;
    throw new CommandFailure(`${build.reason}: run npm run build:renderer`);
  }
  write(`${build.reason}: building it (vite build)...\n`);
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: checkout,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(join(staticDir, 'index.html'))) {
    const cause = (result.error?.message ?? result.stderr).trim().split('\n')[0] ?? '';
    throw new CommandFailure(
      `building the UI failed (${cause || `vite exited ${result.status}`}): run npm run build:renderer to see why`,
    );
  }
}

/** The first file under `path` modified after `since` (ms since the epoch), if any. */
function newerFile(path: string, since: number): string | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs > since ? path : undefined;
  for (const entry of readdirSync(path)) {
    const found = newerFile(join(path, entry), since);
    if (found) return found;
  }
  return undefined;
}
