// Bundles the roadwarrior command into one ESM file, dist/cli/roadwarrior.mjs, so a cold start
// loads plain JavaScript instead of compiling TypeScript through tsx:  node build/bundle-cli.mjs
// The Node-API addons stay external: native-addon.ts and peer-credentials.ts resolve
// ./native/build/Release/<name>.node against their own module URL, which in the bundle is the
// bundle's, so the built addons are copied to that path next to it.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const ADDONS = [
  'app/dataplane/tun/native/build/Release/tun.node',
  'app/helper/native/build/Release/peer_credentials.node',
];
const ADDON_DIR = 'native/build/Release';

// The same entry as bin/roadwarrior.mjs, without the tsx switch.
const ENTRY = `import { main } from './app/cli/main.ts';
process.exitCode = await main(process.argv.slice(2));
`;

export async function bundleCli(outdir = `${root}dist/cli`) {
  const outfile = `${outdir}/roadwarrior.mjs`;
  await build({
    stdin: { contents: ENTRY, resolveDir: root, sourcefile: 'roadwarrior-cli.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // `helper` and `ui` are imported on demand: their code goes to chunks a cold connect never reads
    splitting: true,
    outdir,
    entryNames: 'roadwarrior',
    // chunks beside the entry: the addons resolve against each module's own URL
    chunkNames: '[name]-[hash]',
    // .mjs: the bundle is ESM wherever it is copied, with or without our package.json
    outExtension: { '.js': '.mjs' },
    // keytar (native; the ui command's keychain) loads from node_modules when installed
    external: ['*.node', 'keytar'],
    // bundled CommonJS dependencies may call require() for Node built-ins
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __rwCreateRequire } from 'node:module';\nconst require = __rwCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
    absWorkingDir: root,
  });
  mkdirSync(`${outdir}/${ADDON_DIR}`, { recursive: true });
  for (const addon of ADDONS) {
    copyFileSync(
      `${root}${addon}`,
      `${outdir}/${ADDON_DIR}/${addon.slice(addon.lastIndexOf('/') + 1)}`,
    );
  }
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli();
