// The desktop UI end to end against the real strongSwan head-end: `roadwarrior ui` (the real
// engine and in-process data plane) runs inside the lab's client namespace, where its TUN,
// routes and UDP to the gateway belong, and Chromium runs there too so that its 127.0.0.1 is the
// web host's. The user's story is test/e2e/support/ui-flow.ts, shared with the fake-engine e2e;
// the gateway's own view (swanctl) is the judge of what the UI shows.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ESP_BLOCKED_RULES, nftFault } from '../lab/faults.js';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, ipv4InCidr, startLab } from '../lab/index.js';
import {
  chromiumMissing,
  launchChromiumInNamespace,
  openWatchedPage,
} from '../e2e/support/browser.js';
import { buildRenderer } from '../e2e/support/build-renderer.js';
import {
  type FlowScenario,
  connect,
  disconnect,
  expectConnected,
  expectReconnect,
  runDesktopFlow,
} from '../e2e/support/ui-flow.js';
import { type UiProcess, startUiProcess } from '../e2e/support/ui-process.js';
import { interopSkipReason, reportSkippedSuite } from '../support/interop.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const skip = interopSkipReason() ?? chromiumMissing();
const USER = LAB_DEFAULTS.users[0]!;
/** where the stand-in resolvectl records its calls, in the scratch directory */
const RESOLVECTL_CALLS = 'resolvectl-calls';

/**
 * The environment of `roadwarrior ui`: profiles in a scratch directory; no session bus, so the
 * keychain is "not available" and the UI prompts for every secret (nothing reaches the keyring
 * of whoever runs the tests); and a `resolvectl` first on PATH that only records its calls. The
 * built-in network setup's DNS goes through resolvectl alone (it never edits resolv.conf), so
 * an empty record proves `--no-dns` reached it; here, without systemd-resolved, the real one
 * would merely be absent.
 */
async function uiEnvironment(work: string): Promise<NodeJS.ProcessEnv> {
  const bin = join(work, 'bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'resolvectl'),
    `#!/bin/sh\necho "$*" >> '${join(work, RESOLVECTL_CALLS)}'\n`,
    { mode: 0o755 },
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(work, 'config'),
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  return env;
}

/** Runs `check` while the client pings the LAN host through the tunnel; the pings must be
 * answered. */
async function whilePinging<T>(lab: Lab, check: () => Promise<T>): Promise<T> {
  const ping = lab.spawnInClient('ping', ['-n', '-i', '0.2', LAB_ADDRESSES.lanHost], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  ping.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise((resolve) => ping.on('exit', resolve));
  const result = await check().finally(async () => {
    ping.kill('SIGINT');
    await exited;
  });
  assert.match(output, /\b[1-9]\d* received\b/, `pings answered through the tunnel:\n${output}`);
  return result;
}

describe('the desktop UI in Chromium against strongSwan', { skip: skip !== undefined }, () => {
  let lab: Lab;
  let work: string;
  let staticDir: string;
  let ui: UiProcess;
  let browser: Browser;

  before(async () => {
    staticDir = await buildRenderer();
    // Unity SAVE_PASSWD on: the reconnect may reuse the session's password without asking
    lab = await startLab({ savePassword: true });
    work = await mkdtemp(join(tmpdir(), 'rw-desktop-e2e-'));
    ui = await startUiProcess(
      lab.spawnInClient,
      ['--no-dns', '--static-dir', staticDir],
      await uiEnvironment(work),
    );
    browser = await launchChromiumInNamespace(lab.names.cli, work);
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
    await lab?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    if (staticDir) await rm(dirname(staticDir), { recursive: true, force: true });
  });

  function scenario(page: Page, theme: 'light' | 'dark'): FlowScenario {
    return {
      profile: {
        name: 'Lab',
        gateway: LAB_ADDRESSES.gateway,
        group: LAB_DEFAULTS.group,
        username: USER.name,
      },
      secrets: {
        groupPsk: LAB_DEFAULTS.groupPsk,
        password: USER.password,
        wrongPassword: 'not-alice-secret',
      },
      expect: {
        virtualIp: async () => {
          const sas = await lab.waitForSas(
            (all) =>
              all.some(
                (sa) =>
                  sa.state === 'ESTABLISHED' && sa.childSas.some((c) => c.state === 'INSTALLED'),
              ),
            5_000,
            "the UI's connection on the gateway",
          );
          const [sa] = sas;
          assert.equal(sas.length, 1);
          assert.equal(sa?.remoteXauthId, USER.name);
          const [virtualIp] = sa?.remoteVips ?? [];
          assert.ok(virtualIp && ipv4InCidr(virtualIp, LAB_ADDRESSES.pool), `${virtualIp}`);
          return virtualIp;
        },
        splitNetwork: LAB_ADDRESSES.lanNetwork,
        banner: LAB_DEFAULTS.banner,
      },
      screenshot: async (name) => {
        await page.screenshot({ path: `${ARTIFACTS}headend-${theme}-${name}.png`, fullPage: true });
      },
      gatewayHasSa: async () => (await lab.listSas()).length > 0,
      withTraffic: (check) => whilePinging(lab, check),
    };
  }

  /** Pings the LAN host through the tunnel; fails unless an echo was answered (ping exits 0). */
  const pingThroughTunnel = (count: number) =>
    lab.execInClient('ping', [
      '-n',
      '-c',
      String(count),
      '-i',
      '0.2',
      '-W',
      '3',
      LAB_ADDRESSES.lanHost,
    ]);

  /** Gives the profile of the first test dead peer detection fast enough for a test (2 s, 2
   * retries), then connects. */
  async function connectWithShortDpd(page: Page, flow: FlowScenario): Promise<void> {
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByText('Advanced', { exact: true }).click();
    await page.getByLabel('DPD interval', { exact: true }).fill('2');
    await page.getByLabel('DPD retries', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    // saved: the app goes back to the connection
    await page.getByRole('tab', { name: 'Connection', selected: true }).waitFor();
    await connect(page, flow, flow.secrets.password);
    await expectConnected(page, flow);
  }

  test(
    'create, connect with XAuth, watch it work, disconnect, a wrong password explained, back out',
    { timeout: 180_000 },
    async () => {
      const { page, problems } = await openWatchedPage(browser, ui.url, 'light');
      await page.getByText('No keychain', { exact: true }).waitFor();

      await runDesktopFlow(page, scenario(page, 'light'));

      assert.deepEqual(problems, [], 'no console errors or CSP violations');
      await page.context().close();
    },
  );

  test(
    'the gateway dies mid-session: reconnecting shown, then connected again without asking',
    { timeout: 180_000 },
    async () => {
      const { page, problems } = await openWatchedPage(browser, ui.url, 'dark');
      const flow = scenario(page, 'dark');
      await connectWithShortDpd(page, flow);
      await expectReconnect(page, flow, {
        start: () => lab.killGateway(),
        end: async () => void (await lab.restartGateway()),
      });
      await flow.screenshot('reconnected');
      // the data plane came back with the session: routes and the new SA carry traffic
      await pingThroughTunnel(3);
      await disconnect(page, flow);
      assert.deepEqual(problems, [], 'no console errors or CSP violations');
      await page.context().close();
    },
  );

  test(
    'ESP-in-UDP dropped while IKE passes: the diagnosis panel says esp-blocked, then clears',
    { timeout: 120_000 },
    async () => {
      const { page, problems } = await openWatchedPage(browser, ui.url, 'light');
      const flow = scenario(page, 'light');
      // ESP silence is twice DPD's worry time: 4 s here
      await connectWithShortDpd(page, flow);
      // the tunnel carries traffic before the fault
      await pingThroughTunnel(2);
      const ping = lab.spawnInClient('ping', ['-n', '-i', '0.2', LAB_ADDRESSES.lanHost], {
        stdio: 'ignore',
      });
      let lift: (() => Promise<void>) | undefined;
      try {
        lift = await nftFault(lab, ESP_BLOCKED_RULES);
        const panel = page.locator('[data-testid="diagnosis"][data-code="esp-blocked"]');
        await panel.waitFor({ timeout: 30_000 });
        const evidence = await panel.getByRole('list', { name: 'Evidence' }).innerText();
        assert.match(evidence, /none decrypted/);
        assert.match(evidence, /still answers IKE/);
        assert.match(await panel.locator('.alert-hint').innerText(), /What to try: \S/);
        assert.equal(await panel.getByRole('button', { name: 'Copy diagnosis' }).isEnabled(), true);
        assert.match(
          await page.getByTestId('headline').innerText(),
          /Connected to/,
          'raised while connected',
        );
        await flow.screenshot('esp-blocked');
        await lift();
        lift = undefined;
        await page.getByTestId('diagnosis').waitFor({ state: 'detached', timeout: 30_000 });
      } finally {
        ping.kill('SIGINT');
        await lift?.();
      }
      await disconnect(page, flow);
      assert.deepEqual(problems, [], 'no console errors or CSP violations');
      await page.context().close();
    },
  );

  test('stopping roadwarrior ui leaves no TUN device, and DNS was never touched', async () => {
    assert.equal(await ui.stop(), 0, `roadwarrior ui exits cleanly:\n${ui.output()}`);
    const links = await lab.execInClient('ip', ['-o', 'link']);
    assert.doesNotMatch(links.stdout, /\brw\d+\b/, 'no TUN device left');
    assert.equal(existsSync(join(work, RESOLVECTL_CALLS)), false, '--no-dns: resolvectl never ran');
  });
});

reportSkippedSuite('the desktop e2e ran', skip);
