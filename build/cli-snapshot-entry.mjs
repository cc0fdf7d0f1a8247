// Entry of the CLI's V8 startup snapshot (build/bundle-cli.mjs bundles it into one CommonJS
// file and runs `node --build-snapshot` on it): loading it evaluates every module a connect
// needs, the blob freezes that heap, and each run deserializes it and only calls main().
// __rwBundleUrl (the bundle's import.meta.url) and the run-time require are the bundle's banner.
/* global __rwBundleUrl: writable */
import { restoreExtraCaCerts } from './extra-ca-certs.mjs';
import { assertNoModuleLevelReads } from './snapshot-guard.mjs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { main } from '../app/cli/main.ts';
import { ProfileSchema } from '../app/shared/profile.ts';

// zod walks a schema's tree on its first parse (~3 ms for the profile's, measured in a cold
// connect's CPU profile): a parse here puts that walk's result into the blob. A sample that
// stops matching the schema only makes the parse fail, never the build.
ProfileSchema.safeParse({ name: 'snapshot', gateway: '192.0.2.1', group: 'g', username: 'u' });
assertNoModuleLevelReads();

/** `--snapshot-blob PATH` or `--snapshot-blob=PATH`, as node was started. */
function blobPath() {
  const flags = process.execArgv;
  const at = flags.indexOf('--snapshot-blob');
  if (at >= 0) return flags[at + 1];
  return flags
    .find((flag) => flag.startsWith('--snapshot-blob='))
    ?.slice('--snapshot-blob='.length);
}

startupSnapshot.setDeserializeMainFunction(async () => {
  restoreExtraCaCerts();
  // modules resolve their addons beside themselves: in this build, beside the blob
  __rwBundleUrl = pathToFileURL(resolve(blobPath())).href;
  // a snapshot run has no script path: process.argv is [node, ...arguments]
  process.exitCode = await main(process.argv.slice(1));
});
