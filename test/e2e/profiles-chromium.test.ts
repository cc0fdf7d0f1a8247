// Profiles from admins in the desktop UI, in Chromium through the web host: a managed profile's
// locked gateway shown with a lock and not editable (no Save at all: it is read-only), and a
// .pcf imported through the file dialog with what was not carried over listed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { MemoryCredentialStore } from '../../app/main/service/credential-store.js';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { VpnService } from '../../app/main/service/vpn-service.js';
import { startWebHost } from '../../app/main/webhost/web-host.js';
import { ManagedProfiles } from '../../app/profiles/managed.js';
import { FakeGateway, noDataPlane } from '../desktop/support/fake-engine.js';
import { chromiumMissing, launchChromium, openWatchedPage } from './support/browser.js';
import { buildRenderer } from './support/build-renderer.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const TIMEOUT = 10_000;
const skip = chromiumMissing();
if (skip) console.log(`# skipping the profiles Chromium e2e: ${skip}`);

let staticDir: string;
let root: string;
let service: VpnService;
let host: { url: string; close(): Promise<void> };
let browser: Browser;

before(async () => {
  if (skip) return;
  staticDir = await buildRenderer();
  root = await mkdtemp(join(tmpdir(), 'rw-e2e-profiles-'));
  await mkdir(join(root, 'managed'));
  await writeFile(
    join(root, 'managed', 'HQ.json'),
    JSON.stringify({
      name: 'HQ',
      gateway: 'vpn.corp.example',
      group: 'staff',
      locked: ['gateway'],
    }),
  );
  const gateway = new FakeGateway({ groupPsk: 'g', username: 'u', password: 'p' });
  service = new VpnService({
    connect: gateway.connect,
    createDataPlane: noDataPlane,
    profiles: new ProfileStore(join(root, 'user'), new ManagedProfiles(join(root, 'managed'))),
    credentials: new MemoryCredentialStore(),
  });
  await service.start();
  host = await startWebHost({ service, staticDir, version: '0.1.0-e2e' });
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await host?.close();
  await service?.close();
  if (root) await rm(root, { recursive: true, force: true });
  if (staticDir) await rm(dirname(staticDir), { recursive: true, force: true });
});

test(
  'a managed profile: the locked gateway has a lock and cannot be edited; a .pcf imported',
  { skip, timeout: 120_000 },
  async () => {
    const { page, problems } = await openWatchedPage(browser, host.url, 'light');
    await page.getByRole('button', { name: /HQ/ }).click();
    await page.getByRole('tab', { name: 'Settings' }).click();
    const gateway = page.locator('#profile-gateway');
    await gateway.waitFor({ timeout: TIMEOUT });
    assert.equal(await gateway.isDisabled(), true, 'the locked gateway cannot be edited');
    assert.equal(await gateway.inputValue(), 'vpn.corp.example');
    const field = page.locator('.field').filter({ has: gateway });
    assert.equal(await field.getByRole('img', { name: 'locked' }).count(), 1, 'a lock icon');
    assert.match((await field.textContent()) ?? '', /Locked by your administrator/);
    assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);
    assert.equal(await page.getByTestId('managed-note').count(), 1);
    await page.screenshot({ path: `${ARTIFACTS}profiles-managed.png`, fullPage: true });

    await page
      .getByLabel('Profile file to import')
      .setInputFiles(join(FIXTURES, 'office-latin1-crlf.pcf'));
    const result = page.locator('.import-result');
    await result.waitFor({ timeout: TIMEOUT });
    const text = (await result.textContent()) ?? '';
    assert.match(
      text,
      /Imported “office-latin1-crlf” from office-latin1-crlf\.pcf\. The group key was saved in the keychain\./,
    );
    assert.match(text, /EnableMSLogon: not carried over/);
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByTestId('imported-from').waitFor({ timeout: TIMEOUT });
    assert.equal(await page.locator('#profile-gateway').isDisabled(), true, '!Host is locked');
    assert.equal(await page.getByLabel(/^Username/).isDisabled(), false);
    assert.equal(await page.getByLabel(/^Username/).inputValue(), 'jürgen');
    assert.ok(!(await page.content()).includes('lab-group-secret'), 'the key is never in the page');
    await page.screenshot({ path: `${ARTIFACTS}profiles-imported.png`, fullPage: true });
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  },
);
