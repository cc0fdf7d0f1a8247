// The packaged desktop app's own hardening (issues #10, #11): electron-builder flips the Electron
// fuses that would let anyone run the signed binary as a Node interpreter or with a debugger, and
// checks app.asar's integrity; a packaged window has no DevTools. Electron's binary cannot be
// downloaded here, so the config goes through the installed electron-builder's own loader,
// schema validation and fuse mapping, and the window module runs against a stand-in `electron`.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FuseV1Options } from '@electron/fuses';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

interface BuilderConfig {
  asar?: boolean;
  electronFuses?: Record<string, boolean>;
}
// the package's index first: its modules require each other in a cycle only it resolves
const { PlatformPackager } = require('app-builder-lib') as {
  PlatformPackager: {
    prototype: {
      generateFuseConfig(fuses: Record<string, boolean>): Promise<Record<number, boolean>>;
    };
  };
};
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string, options: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as {
  DebugLogger: new (enabled: boolean) => unknown;
};

test('electron-builder.yml passes the installed electron-builder schema and flips the fuses', async () => {
  const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
  assert.notEqual(config.asar, false, 'the app is packed into app.asar');
  assert.ok(config.electronFuses, 'electronFuses is configured');
  // what electron-builder hands @electron/fuses at package time
  const fuses = await PlatformPackager.prototype.generateFuseConfig.call(
    undefined,
    config.electronFuses,
  );
  assert.equal(fuses[FuseV1Options.RunAsNode], false, 'ELECTRON_RUN_AS_NODE ignored');
  assert.equal(
    fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
    false,
    'NODE_OPTIONS ignored',
  );
  assert.equal(fuses[FuseV1Options.EnableNodeCliInspectArguments], false, '--inspect ignored');
  assert.equal(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation], true, 'asar integrity');
  assert.equal(fuses[FuseV1Options.OnlyLoadAppFromAsar], true, 'only app.asar is loaded');
});

/** A stand-in `electron` for app/main/electron/window.ts: records BrowserWindow options. */
const FAKE_ELECTRON = `
export const app = globalThis.__fakeElectron.app;
export const nativeTheme = { shouldUseDarkColors: false };
export class BrowserWindow {
  constructor(options) { globalThis.__fakeElectron.windows.push(options); }
  once() {}
  loadURL() { return Promise.resolve(); }
}`;

interface FakeElectron {
  app: { isPackaged: boolean };
  windows: { webPreferences: { devTools?: boolean } }[];
}

test('DevTools only outside a packaged build', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rw-window-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'window.mjs');
  await build({
    entryPoints: [join(ROOT, 'app/main/electron/window.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'warning',
    plugins: [
      {
        name: 'fake-electron',
        setup(context) {
          context.onResolve({ filter: /^electron$/ }, () => ({
            path: 'electron',
            namespace: 'fake',
          }));
          context.onLoad({ filter: /.*/, namespace: 'fake' }, () => ({
            contents: FAKE_ELECTRON,
            loader: 'js',
          }));
        },
      },
    ],
  });
  const fake: FakeElectron = { app: { isPackaged: true }, windows: [] };
  (globalThis as { __fakeElectron?: FakeElectron }).__fakeElectron = fake;
  t.after(() => delete (globalThis as { __fakeElectron?: FakeElectron }).__fakeElectron);
  const { createMainWindow } = (await import(pathToFileURL(outfile).href)) as {
    createMainWindow(preload: string, icon: string): unknown;
  };
  createMainWindow('/preload.cjs', '/icon.png');
  fake.app.isPackaged = false;
  createMainWindow('/preload.cjs', '/icon.png');
  assert.deepEqual(
    fake.windows.map((w) => w.webPreferences.devTools),
    [false, true],
    'packaged: no DevTools; npm start: DevTools',
  );
});
