// Bundles Electron's main process (ESM) and the sandboxed preload (CommonJS, as sandboxed
// preloads must be) into dist/electron:  node build/bundle-electron.mjs
// keytar stays external (a native module, loaded from node_modules / app.asar.unpacked).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function bundleElectron(outdir = `${root}dist/electron`) {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node22',
    external: ['electron', 'keytar'],
    logLevel: 'warning',
    absWorkingDir: root,
  };
  await build({
    ...common,
    entryPoints: ['app/main/electron/main.ts'],
    format: 'esm',
    outfile: `${outdir}/main.mjs`,
  });
  await build({
    ...common,
    entryPoints: ['app/main/electron/preload.ts'],
    format: 'cjs',
    outfile: `${outdir}/preload.cjs`,
  });
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleElectron();
