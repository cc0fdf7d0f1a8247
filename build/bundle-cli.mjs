// Builds the roadwarrior command for a cold start without tsx:  node build/bundle-cli.mjs
//  - dist/cli/roadwarrior.mjs (+ chunks): one ESM bundle, plain JavaScript instead of TypeScript;
//  - dist/cli/roadwarrior.blob + roadwarrior-fast: a V8 startup snapshot of the same CLI (node
//    deserializes the loaded modules instead of compiling and evaluating them) and its launcher,
//    which falls back to roadwarrior.mjs where the blob cannot load.
// The Node-API addons stay external: native-addon.ts, peer-credentials.ts and engine-addon.ts
// resolve ./native/build/Release/<name>.node against their own module URL, which in the bundle is
// the bundle's (in the snapshot: the blob's), so the built addons are copied to that path next to
// it.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SET_ASIDE_IN_SH } from './extra-ca-certs.mjs';
import { withoutBuiltinCodeCache } from './snapshot-blob.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const ADDONS = [
  'app/dataplane/tun/native/build/Release/tun.node',
  'app/helper/native/build/Release/peer_credentials.node',
  'app/engine/crypto/native/build/Release/raw_ecdsa.node',
  'app/engine/crypto/native/build/Release/pkcs12.node',
  'app/engine/crypto/native/build/Release/x509_name.node',
];
const ADDON_DIR = 'native/build/Release';

// The same entry as bin/roadwarrior.mjs, without the tsx switch.
const ENTRY = `import { main } from './app/cli/main.ts';
process.exitCode = await main(process.argv.slice(2));
`;

// zod's translations of its messages into ~45 languages (z.locales, ~300 KiB of the bundle's
// 1.1 MB), which we never select: English stays, as zod registers it itself. Less source is
// less heap, and in the snapshot less blob, both resident in every CLI process.
const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(context) {
    context.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/')
        ? { path: 'zod-locales', namespace: 'zod-without-locales' }
        : undefined,
    );
    context.onLoad({ filter: /.*/, namespace: 'zod-without-locales' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
};

// V8 flags of the snapshot run, which node requires at build time too (the blob records them).
// Lite mode: the interpreter only (no TurboFan, Sparkplug or Maglev; --jitless, so no code space
// and RegExps interpreted) and V8's size-over-speed heuristics. Since the data path runs in the
// addon, no JavaScript of the CLI is hot enough to repay a compiler: TurboFan cost ~5 MiB of peak
// RSS, Sparkplug ~1 MiB, and lite mode saves 0.7-1.4 MiB more than --no-opt --no-sparkplug
// (connected and after iperf, lab, 2026-12-07). --jitless has no WebAssembly, which the CLI
// never uses: --no-expose-wasm says so, instead of V8 warning on every run that it disabled it.
const SNAPSHOT_V8_FLAGS = ['--lite-mode', '--no-expose-wasm'];

// glibc's malloc raises its mmap threshold to the size of the largest block freed (up to 32 MiB):
// after node frees the ~7 MB it read the blob into, every allocation below that comes from the
// brk heap, whose freed pages stay resident. A fixed threshold (glibc's default, 128 KiB) keeps
// large blocks in their own mappings, returned when freed: ~2 MiB less peak RSS once connected.
const MALLOC_TUNING = 'MALLOC_MMAP_THRESHOLD_=131072';

const COMMON = {
  plugins: [zodWithoutLocales],
  bundle: true,
  platform: 'node',
  target: 'node20',
  // keytar (native; the ui command's keychain) loads from node_modules when installed
  external: ['*.node', 'keytar'],
  // less source to compile (ESM) or to hold in the blob's heap (snapshot): ~10 ms of a cold
  // connect; identifiers are kept, so stack traces still name the functions
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

/** The ESM bundle, dist/cli/roadwarrior.mjs, and the addons beside it. */
export async function bundleCli(outdir = `${root}dist/cli`) {
  const outfile = `${outdir}/roadwarrior.mjs`;
  // chunk names carry content hashes: a rebuild would leave the previous build's beside its own
  if (existsSync(outdir))
    for (const file of readdirSync(outdir)) if (file.endsWith('.mjs')) rmSync(`${outdir}/${file}`);
  await build({
    ...COMMON,
    stdin: { contents: ENTRY, resolveDir: root, sourcefile: 'roadwarrior-cli.ts', loader: 'ts' },
    format: 'esm',
    // `helper` and `ui` are imported on demand: their code goes to chunks a cold connect never reads
    splitting: true,
    outdir,
    entryNames: 'roadwarrior',
    // chunks beside the entry: the addons resolve against each module's own URL
    chunkNames: '[name]-[hash]',
    // .mjs: the bundle is ESM wherever it is copied, with or without our package.json
    outExtension: { '.js': '.mjs' },
    // bundled CommonJS dependencies may call require() for Node built-ins
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __rwCreateRequire } from 'node:module';\nconst require = __rwCreateRequire(import.meta.url);",
    },
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

// A snapshot entry may require() only built-ins, and import() has no loader in a snapshot run:
// every other require (keytar, an optional dependency) resolves beside the blob at run time,
// and import.meta.url is the blob's URL, set by the entry's main before anything runs.
const SNAPSHOT_BANNER = `var __rwBundleUrl;
require = ((builtin) => {
  const { createRequire, isBuiltin } = builtin('node:module');
  return (id) => {
    if (isBuiltin(id)) return builtin(id);
    if (!__rwBundleUrl) throw new Error(\`require('\${id}') while building the snapshot: only built-ins can be frozen into it\`);
    return createRequire(__rwBundleUrl)(id);
  };
})(require);`;

/** A dynamic import() of a package or built-in becomes the banner's run-time require. */
const dynamicImportAsRequire = {
  name: 'dynamic-import-as-require',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === 'dynamic-import'
        ? { path: args.path, namespace: 'runtime-require' }
        : undefined,
    );
    context.onLoad({ filter: /.*/, namespace: 'runtime-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** A single-quoted sh word. */
const shellQuote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * The launcher: the snapshot only loads in the exact node binary that built it and with the same
 * V8 flags (node exits 14 otherwise). The blob carries that binary's mtime (see snapshotCli), so
 * sh's built-in test spots a replaced node without starting anything; NODE_OPTIONS may hold V8
 * flags. Either way the ESM bundle runs instead (with that node, else the one on PATH).
 * `--`: node must not take the CLI's --help for itself. NODE_EXTRA_CA_CERTS is kept from node's
 * startup (build/extra-ca-certs.mjs): 1.5 MiB less peak RSS where it is set (lab, 2026-12-07).
 */
const launcher = (node) => `#!/bin/sh
# roadwarrior from its V8 startup snapshot (build/bundle-cli.mjs); same commands as roadwarrior.mjs
node=${shellQuote(node)}
case $0 in */*) dir=\${0%/*} ;; *) dir=. ;; esac
if [ -L "$0" ]; then dir=$(dirname "$(readlink -f "$0")"); fi
blob=$dir/roadwarrior.blob
if [ -n "$NODE_OPTIONS" ]; then
  reason='NODE_OPTIONS is set'
elif [ ! -s "$blob" ]; then
  reason="no snapshot at $blob (build it: npm run build:cli)"
elif [ ! -x "$node" ] || [ "$node" -nt "$blob" ] || [ "$node" -ot "$blob" ]; then
  reason="$blob was not built by the node at $node (rebuild it: npm run build:cli)"
else
  export ${MALLOC_TUNING}
  ${SET_ASIDE_IN_SH.replaceAll('\n', '\n  ')}
  exec "$node" ${SNAPSHOT_V8_FLAGS.join(' ')} --snapshot-blob "$blob" -- "$@"
fi
echo "roadwarrior: $reason: starting without the startup snapshot" >&2
if [ ! -x "$node" ]; then node=node; fi
exec "$node" "$dir/roadwarrior.mjs" "$@"
`;

/**
 * Node's code cache of its builtins (~2.8 MB of the ~7 MB blob) out of the blob: node keeps a
 * copy of it in memory as long as the process runs, for compiling one of those builtins again (in
 * a worker or a vm context, which the CLI never creates). 2.6 MiB less peak RSS, connected and
 * after iperf (lab, 2026-12-07).
 * Node's own switch for it (--build-snapshot-config withoutCodeCache) also drops the bytecode of
 * the snapshot's functions, and node 20.20 then crashes compiling them again on connect. A blob
 * whose layout is not the expected one, or that no longer starts, is kept whole (with a warning).
 */
function dropBuiltinCodeCache(blob) {
  const whole = readFileSync(blob);
  const stripped = withoutBuiltinCodeCache(whole);
  if (!stripped) {
    process.emitWarning(`${blob}: no builtin code cache at its end; kept as built`);
    return;
  }
  writeFileSync(blob, stripped);
  const run = [...SNAPSHOT_V8_FLAGS, '--snapshot-blob', blob, '--', '--help'];
  try {
    execFileSync(process.execPath, run, { stdio: 'pipe' });
  } catch (error) {
    writeFileSync(blob, whole);
    process.emitWarning(
      `${blob} without its code cache does not start; kept as built:\n${error.stderr}`,
    );
  }
}

/**
 * The snapshot (roadwarrior.blob) and its launcher (roadwarrior-fast), beside bundleCli's output.
 * `entry`: another snapshot entry (tests).
 */
export async function snapshotCli(
  outdir = `${root}dist/cli`,
  entry = `${root}build/cli-snapshot-entry.mjs`,
) {
  const bundle = `${outdir}/roadwarrior-snapshot.cjs`;
  const blob = `${outdir}/roadwarrior.blob`;
  // a failed build leaves no blob (an old one would run old code); a new one appears whole
  rmSync(blob, { force: true });
  const written = `${blob}.new`;
  await build({
    ...COMMON,
    entryPoints: [entry],
    format: 'cjs',
    outfile: bundle,
    define: { 'import.meta.url': '__rwBundleUrl' },
    banner: { js: SNAPSHOT_BANNER },
    plugins: [...COMMON.plugins, dynamicImportAsRequire],
  });
  try {
    // stderr only on failure: node warns about every built-in not yet verified in snapshots
    execFileSync(
      process.execPath,
      [
        ...SNAPSHOT_V8_FLAGS,
        '--snapshot-blob',
        resolve(written),
        '--build-snapshot',
        resolve(bundle),
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    throw new Error(`building the CLI snapshot failed:\n${error.stderr}`);
  }
  dropBuiltinCodeCache(written);
  // the launcher's node check (touch: the nanoseconds, which fs.utimes rounds off)
  execFileSync('touch', ['-r', process.execPath, written]);
  renameSync(written, blob);
  const fast = `${outdir}/roadwarrior-fast`;
  writeFileSync(fast, launcher(process.execPath), { mode: 0o755 });
  return fast;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleCli();
  await snapshotCli();
}
