// Builds the renderer with the project's vite config into a fresh directory, so the e2e serves
// exactly what `npm run build:renderer` would produce.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const CONFIG = fileURLToPath(new URL('../../../vite.config.ts', import.meta.url));

export async function buildRenderer(): Promise<string> {
  const outDir = join(await mkdtemp(join(tmpdir(), 'rw-renderer-')), 'renderer');
  await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}
