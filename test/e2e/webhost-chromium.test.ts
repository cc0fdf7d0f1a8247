// The desktop UI in Chromium through the web host, against the fake engine. The flow itself is
// ui-flow.ts; the head-end variant swaps the engine line below for the real connect() and
// createInProcessDataPlane(), and gatewayHasSa for a swanctl query.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { FakeGateway, noDataPlane } from '../desktop/support/fake-engine.js';
import { chromiumMissing, launchChromium } from './support/browser.js';
import { buildRenderer } from './support/build-renderer.js';
import { type E2eHost, startE2eHost } from './support/e2e-host.js';
import { type FlowScenario, runDesktopFlow } from './support/ui-flow.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const skip = chromiumMissing();
if (skip) console.log(`# skipping the Chromium e2e: ${skip}`);

const gateway = new FakeGateway({
  groupPsk: 'group-secret',
  username: 'alice',
  password: 'correct horse',
  banner: 'Authorised use only. Activity is logged.',
  virtualIp: '10.99.0.10',
  splitInclude: ['10.20.0.0/16', '172.16.5.0/24'],
  stepDelayMs: 150,
  countersIntervalMs: 500,
});

let staticDir: string;
let host: E2eHost;
let browser: Browser;

before(async () => {
  if (skip) return;
  staticDir = await buildRenderer();
  host = await startE2eHost({ connect: gateway.connect, createDataPlane: noDataPlane }, staticDir);
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await host?.close();
  if (staticDir) await rm(dirname(staticDir), { recursive: true, force: true });
});

async function newPage(theme: 'light' | 'dark'): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    colorScheme: theme,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(host.url);
  return { page, problems };
}

function scenario(page: Page, theme: string): FlowScenario {
  return {
    profile: { name: 'Office', gateway: 'vpn.example.com', group: 'staff', username: 'alice' },
    secrets: {
      groupPsk: 'group-secret',
      password: 'correct horse',
      wrongPassword: 'not my password',
    },
    expect: {
      virtualIp: '10.99.0.10',
      splitNetwork: '10.20.0.0/16',
      banner: 'Authorised use only. Activity is logged.',
    },
    screenshot: async (name) => {
      await page.screenshot({ path: `${ARTIFACTS}desktop-${theme}-${name}.png`, fullPage: true });
    },
    gatewayHasSa: async () => gateway.current?.state === 'connected',
  };
}

test(
  'create, connect with XAuth, watch it work, disconnect, and a wrong password explained',
  { skip, timeout: 120_000 },
  async () => {
    const { page, problems } = await newPage('light');
    await runDesktopFlow(page, scenario(page, 'light'));
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
    await page.context().close();
  },
);

test(
  'the same UI in the dark theme, reconnecting after a dead peer',
  { skip, timeout: 120_000 },
  async () => {
    const { page, problems } = await newPage('dark');
    const flow = scenario(page, 'dark');
    await page.getByRole('button', { name: 'Try again' }).click();
    const key = page.getByRole('dialog', { name: /^Group key for/ });
    await key.getByLabel('Group key', { exact: true }).fill('group-secret');
    await key.getByRole('button', { name: 'Continue' }).click();
    const signIn = page.getByRole('dialog', { name: 'Sign in to vpn.example.com' });
    await signIn.getByLabel('Password', { exact: true }).fill('correct horse');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('dialog', { name: 'Message from the gateway' })
      .getByRole('button', { name: 'Accept' })
      .click();
    await page.getByTestId('headline').filter({ hasText: 'Connected to' }).waitFor();
    await page.waitForTimeout(2500);
    await flow.screenshot('connected');

    gateway.current?.killPeer();
    await page.getByTestId('reconnect').waitFor();
    await flow.screenshot('reconnecting');
    await page
      .getByTestId('headline')
      .filter({ hasText: 'Connected to' })
      .waitFor({ timeout: 20_000 });
    assert.equal(
      await page.getByRole('dialog').count(),
      0,
      'the password was reused, the banner not shown again',
    );
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByTestId('headline').filter({ hasText: 'Not connected' }).waitFor();
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test('without the token the page is refused', { skip }, async () => {
  const url = new URL(host.url);
  const page = await browser.newPage();
  const response = await page.goto(`${url.origin}/`);
  assert.equal(response?.status(), 403);
  await page.close();
});
