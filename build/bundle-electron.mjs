// Bundles Electron's main process (ESM) and the sandboxed preload (CommonJS, as sandboxed
// preloads must be) into dist/electron:  node build/bundle-electron.mjs
// keytar stays external (a native module, loaded from node_modules / app.asar.unpacked).
// The engine runs in the main process: its addons (app/engine/crypto/engine-addon.ts: raw-digest
// ECDSA, PKCS#12) resolve ./native/build/Release/<name>.node against the bundle's URL, so they are
// copied there (electron-builder.yml unpacks every .node from the asar).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
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
  mkdirSync(`${outdir}/native/build/Release`, { recursive: true });
  for (const name of ['raw_ecdsa.node', 'pkcs12.node', 'x509_name.node'])
    copyFileSync(
      `${root}app/engine/crypto/native/build/Release/${name}`,
      `${outdir}/native/build/Release/${name}`,
    );
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleElectron();
