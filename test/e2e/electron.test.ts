// The Electron shell end to end (Playwright's _electron): runs where the Electron binary exists;
// elsewhere it is reported as skipped with the reason. It never imports the `electron` package
// (that would try to download the binary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron } from 'playwright-core';
import { bundleElectron } from '../../build/bundle-electron.mjs';
import { buildRenderer } from './support/build-renderer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ELECTRON_DIR = join(ROOT, 'node_modules', 'electron');

function electronBinary(): { path?: string; reason?: string } {
  const pathFile = join(ELECTRON_DIR, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      reason:
        'the Electron binary is absent (node_modules/electron/path.txt missing: its download is not reachable here)',
    };
  }
  const binary = join(ELECTRON_DIR, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary)
    ? { path: binary }
    : { reason: `the Electron binary ${binary} is missing` };
}

const electron = electronBinary();
if (electron.reason) console.log(`# skipping the Electron e2e: ${electron.reason}`);

test(
  'the Electron window is locked down and speaks only the IPC contract',
  { skip: electron.reason ?? false, timeout: 120_000 },
  async () => {
    await buildRenderer().then((dir) => rm(dir, { recursive: true, force: true })); // fails early on a broken renderer
    await bundleElectron();
    const config = await mkdtemp(join(tmpdir(), 'rw-electron-'));
    const app = await _electron.launch({
      executablePath: electron.path,
      args: [ROOT, '--no-sandbox'],
      env: { ...process.env, XDG_CONFIG_HOME: config },
    });
    try {
      const page = await app.firstWindow();
      await page.getByRole('heading', { name: 'Welcome' }).waitFor();
      assert.equal(await page.title(), 'Roadwarrior');
      assert.match(page.url(), /^app:\/\/roadwarrior\//);
      const surface = await page.evaluate(() => ({
        bridge: Object.keys((window as unknown as { roadwarrior: object }).roadwarrior).sort(),
        node:
          typeof (window as unknown as { require?: unknown }).require +
          typeof (window as unknown as { process?: unknown }).process,
      }));
      assert.deepEqual(surface, { bridge: ['invoke', 'subscribe'], node: 'undefinedundefined' });
      const info = await page.evaluate(() =>
        (
          window as unknown as { roadwarrior: { invoke(n: string, i?: unknown): Promise<unknown> } }
        ).roadwarrior.invoke('app.info'),
      );
      assert.equal((info as { ok: boolean; value: { host: string } }).value.host, 'electron');
      await page.evaluate(() => window.location.assign('https://example.com/'));
      await page.waitForTimeout(500);
      assert.match(page.url(), /^app:\/\/roadwarrior\//, 'navigation is blocked');
    } finally {
      await app.close();
      await rm(config, { recursive: true, force: true });
    }
  },
);
