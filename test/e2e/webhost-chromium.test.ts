// The desktop UI in Chromium through the web host, against the fake engine. The flow itself is
// ui-flow.ts; test/interop/desktop-e2e.test.ts runs it against the real engine and strongSwan.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { FakeGateway, noDataPlane } from '../desktop/support/fake-engine.js';
import { chromiumMissing, launchChromium, openWatchedPage } from './support/browser.js';
import { buildRenderer } from './support/build-renderer.js';
import { type E2eHost, startE2eHost } from './support/e2e-host.js';
import {
  type FlowScenario,
  connect,
  disconnect,
  expectConnected,
  expectReconnect,
  runDesktopFlow,
} from './support/ui-flow.js';

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
  // Unity SAVE_PASSWD on: the reconnect may reuse the session's password without asking
  savePasswordAllowed: true,
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

function scenario(page: Page, theme: string): FlowScenario {
  return {
    profile: { name: 'Office', gateway: 'vpn.example.com', group: 'staff', username: 'alice' },
    secrets: {
      groupPsk: 'group-secret',
      password: 'correct horse',
      wrongPassword: 'not my password',
    },
    expect: {
      virtualIp: async () => '10.99.0.10',
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
  'create, connect with XAuth, watch it work, disconnect, a wrong password explained, back out',
  { skip, timeout: 120_000 },
  async () => {
    const { page, problems } = await openWatchedPage(browser, host.url, 'light');
    await runDesktopFlow(page, scenario(page, 'light'));
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
    await page.context().close();
  },
);

test(
  'the same UI in the dark theme, reconnecting after a dead peer',
  { skip, timeout: 120_000 },
  async () => {
    const { page, problems } = await openWatchedPage(browser, host.url, 'dark');
    const flow = scenario(page, 'dark');
    await connect(page, flow, flow.secrets.password);
    await expectConnected(page, flow);
    await page.waitForTimeout(2500); // a few seconds of chart
    await flow.screenshot('connected');
    await expectReconnect(page, flow, { start: async () => gateway.current?.killPeer() });
    await disconnect(page, flow);
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
