// The desktop UI's end-to-end story, as a user clicks through it, independent of which engine
// and gateway are behind the service: create a profile, connect, answer the group key and XAuth
// prompts, accept the banner, see every step turn green with the address and split network,
// counters rising, the exchange in the log; disconnect; a wrong password explained; and backing
// out (cancel at the sign-in prompt, decline the banner) leaves nothing behind.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

export interface FlowScenario {
  profile: { name: string; gateway: string; group: string; username: string };
  secrets: { groupPsk: string; password: string; wrongPassword: string };
  expect: {
    /** the address the gateway handed out (asked once connected: the real one picks it) */
    virtualIp(): Promise<string>;
    splitNetwork: string;
    banner?: string;
  };
  /** saves a screenshot under a name (the test decides where) */
  screenshot(name: string): Promise<void>;
  /** does the gateway still hold an SA for us (the real head-end asks swanctl) */
  gatewayHasSa(): Promise<boolean>;
  /** traffic through the tunnel while counters are checked (the real e2e pings) */
  withTraffic?<T>(run: () => Promise<T>): Promise<T>;
}

const TIMEOUT = 20_000;
/** dead peer detection, then backoff: the real engine needs DPD interval x retries */
const RECONNECT_TIMEOUT = 30_000;

export async function createProfile(page: Page, scenario: FlowScenario): Promise<void> {
  const { profile } = scenario;
  await page.getByRole('button', { name: 'Create a profile' }).click();
  await page.getByLabel('Gateway', { exact: true }).fill('not a host!');
  await page.getByText('Advanced', { exact: true }).click();
  await page.getByLabel('MTU', { exact: true }).fill('9000');
  await page.getByRole('button', { name: 'Create profile' }).click();
  assert.equal(await page.getByText('Gateway must be a host name or an IP address').count(), 1);
  assert.equal(await page.getByText('MTU must be at most 1500').count(), 1);
  await scenario.screenshot('profile-errors');
  await page.getByLabel('MTU', { exact: true }).fill('');
  await page.getByLabel('Name', { exact: true }).fill(profile.name);
  await page.getByLabel('Gateway', { exact: true }).fill(profile.gateway);
  await page.getByLabel('Group name', { exact: true }).fill(profile.group);
  await page.getByLabel('Username', { exact: true }).fill(profile.username);
  await page.getByRole('button', { name: 'Create profile' }).click();
  await page.getByRole('button', { name: 'Connect' }).waitFor({ timeout: TIMEOUT });
}

/** Click Connect and answer the group key prompt: the sign-in prompt comes next. */
async function connectWithGroupKey(page: Page, scenario: FlowScenario): Promise<void> {
  await page.getByRole('button', { name: /^(Connect|Try again)$/ }).click();
  const keyDialog = page.getByRole('dialog', { name: /^Group key for/ });
  await keyDialog.getByLabel('Group key', { exact: true }).fill(scenario.secrets.groupPsk);
  await keyDialog.getByRole('button', { name: 'Continue' }).click();
}

/** Connect and answer the group key and XAuth prompts. */
export async function connect(page: Page, scenario: FlowScenario, password: string): Promise<void> {
  await connectWithGroupKey(page, scenario);
  const signIn = page.getByRole('dialog', { name: `Sign in to ${scenario.profile.gateway}` });
  assert.equal(
    await signIn.getByLabel('Username', { exact: true }).inputValue({ timeout: TIMEOUT }),
    scenario.profile.username,
  );
  await signIn.getByLabel('Password', { exact: true }).fill(password);
  await scenario.screenshot('sign-in');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
}

export async function expectConnected(page: Page, scenario: FlowScenario): Promise<void> {
  if (scenario.expect.banner) {
    const banner = page.getByRole('dialog', { name: 'Message from the gateway' });
    assert.equal(
      await banner.getByTestId('banner-text').textContent({ timeout: TIMEOUT }),
      scenario.expect.banner,
    );
    await scenario.screenshot('banner');
    await banner.getByRole('button', { name: 'Accept' }).click();
  }
  await expectTunnelShown(page, scenario, TIMEOUT);
}

/** Connected: every step green, the gateway's address and split network shown. */
async function expectTunnelShown(
  page: Page,
  scenario: FlowScenario,
  timeout: number,
): Promise<void> {
  await page
    .getByTestId('headline')
    .filter({ hasText: `Connected to ${scenario.profile.gateway}` })
    .waitFor({ timeout });
  const statuses = await page
    .locator('[data-step]')
    .evaluateAll((steps) => steps.map((s) => (s as HTMLElement).dataset.status));
  assert.deepEqual(statuses, Array(9).fill('done'), 'every step is green');
  assert.equal(
    await page.getByTestId('virtual-ip').textContent(),
    await scenario.expect.virtualIp(),
  );
  assert.match(
    (await page.getByTestId('split-networks').textContent()) ?? '',
    new RegExp(scenario.expect.splitNetwork.replace(/\./g, '\\.')),
  );
}

/**
 * The gateway goes away mid-session: "Reconnecting" shows, and once the gateway is back the
 * session comes up again by itself, the password reused and the banner not shown again.
 */
export async function expectReconnect(
  page: Page,
  scenario: FlowScenario,
  outage: { start(): Promise<void>; end?(): Promise<void> },
): Promise<void> {
  await outage.start();
  await page.getByTestId('reconnect').waitFor({ timeout: RECONNECT_TIMEOUT });
  await scenario.screenshot('reconnecting');
  await outage.end?.();
  await expectTunnelShown(page, scenario, RECONNECT_TIMEOUT);
  assert.equal(
    await page.getByRole('dialog').count(),
    0,
    'the password was reused, the banner not shown again',
  );
  assert.equal(await scenario.gatewayHasSa(), true, 'the gateway holds the new SA');
}

export async function expectCountersRising(page: Page, scenario: FlowScenario): Promise<void> {
  const check = async () => {
    const before = Number((await page.getByTestId('packets-in').textContent())?.replace(/,/g, ''));
    await page.waitForFunction(
      (start) =>
        Number(
          document.querySelector('[data-testid="packets-in"]')?.textContent?.replace(/,/g, ''),
        ) > start,
      before,
      { timeout: TIMEOUT },
    );
    await page.waitForFunction(
      () =>
        !/^0 bit\/s$/.test(document.querySelector('[data-testid="rate-in"]')?.textContent ?? ''),
      undefined,
      { timeout: TIMEOUT },
    );
    // a few seconds of chart
    await page.waitForTimeout(3000);
  };
  await (scenario.withTraffic ? scenario.withTraffic(check) : check());
}

/** The log shows the exchange: phase 1, XAuth, Mode Config and phase 2 lines. */
export async function expectLogShowsExchange(page: Page, scenario: FlowScenario): Promise<void> {
  await page.getByRole('tab', { name: 'Log' }).click();
  await page.getByLabel('Level', { exact: true }).selectOption('debug');
  for (const phase of ['phase1', 'xauth', 'modecfg', 'phase2']) {
    await page.getByLabel('Phase', { exact: true }).selectOption(phase);
    const rows = page.locator('.log-row');
    await rows.first().waitFor({ timeout: TIMEOUT });
    assert.ok((await rows.count()) > 0, `log lines for ${phase}`);
  }
  await page.getByLabel('Phase', { exact: true }).selectOption('all');
  await scenario.screenshot('log');
  await page.getByRole('tab', { name: 'Connection' }).click();
}

export async function disconnect(page: Page, scenario: FlowScenario): Promise<void> {
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page
    .getByTestId('headline')
    .filter({ hasText: 'Not connected' })
    .waitFor({ timeout: TIMEOUT });
  await expectNoGatewaySa(page, scenario);
}

/** Whatever went wrong, the page speaks to people: no exception names, no source lines. */
async function expectNoStackTrace(page: Page): Promise<void> {
  assert.doesNotMatch(
    (await page.locator('body').textContent()) ?? '',
    /EngineError|\.ts:\d+|\n\s+at /,
  );
}

async function expectNoGatewaySa(page: Page, scenario: FlowScenario): Promise<void> {
  const deadline = Date.now() + 2000;
  while ((await scenario.gatewayHasSa()) && Date.now() < deadline) await page.waitForTimeout(100);
  assert.equal(await scenario.gatewayHasSa(), false, 'the gateway holds no SA within 2 s');
}

/**
 * Backing out is always possible and leaves nothing behind: cancel at the sign-in prompt, then
 * decline the gateway's banner; each time "Not connected" and no SA on the gateway.
 */
async function expectCancelLeavesNothing(page: Page, scenario: FlowScenario): Promise<void> {
  await connectWithGroupKey(page, scenario);
  await page
    .getByRole('dialog', { name: `Sign in to ${scenario.profile.gateway}` })
    .getByRole('button', { name: 'Cancel' })
    .click();
  await expectNotConnected(page, scenario, 'cancelled-sign-in');

  if (!scenario.expect.banner) return;
  await connect(page, scenario, scenario.secrets.password);
  await page
    .getByRole('dialog', { name: 'Message from the gateway' })
    .getByRole('button', { name: 'Decline and disconnect' })
    .click({ timeout: TIMEOUT });
  await expectNotConnected(page, scenario, 'declined-banner');
}

async function expectNotConnected(page: Page, scenario: FlowScenario, shot: string): Promise<void> {
  await page
    .getByTestId('headline')
    .filter({ hasText: 'Not connected' })
    .waitFor({ timeout: TIMEOUT });
  assert.equal(await page.getByRole('dialog').count(), 0, 'no prompt left open');
  await expectNoStackTrace(page);
  await scenario.screenshot(shot);
  await expectNoGatewaySa(page, scenario);
}

export async function expectWrongPasswordExplained(
  page: Page,
  scenario: FlowScenario,
): Promise<void> {
  await connect(page, scenario, scenario.secrets.wrongPassword);
  // a failure the engine diagnosed shows as its diagnosis: cause, evidence, what to try
  const diagnosis = page.getByTestId('diagnosis');
  await diagnosis.waitFor({ timeout: TIMEOUT });
  assert.equal(await diagnosis.getAttribute('data-code'), 'xauth-rejected');
  const text = (await diagnosis.textContent()) ?? '';
  assert.match(text, /rejected the username or password/);
  assert.match(text, /What to try: Check the username and password/);
  assert.match(text, /code xauth-rejected/);
  await expectNoStackTrace(page);
  assert.equal(await page.locator('[data-step="xauth"]').getAttribute('data-status'), 'failed');
  await scenario.screenshot('wrong-password');
  await expectNoGatewaySa(page, scenario);
}

export async function runDesktopFlow(page: Page, scenario: FlowScenario): Promise<void> {
  await createProfile(page, scenario);
  await connect(page, scenario, scenario.secrets.password);
  await expectConnected(page, scenario);
  await expectCountersRising(page, scenario);
  await scenario.screenshot('connected');
  await expectLogShowsExchange(page, scenario);
  await disconnect(page, scenario);
  await expectWrongPasswordExplained(page, scenario);
  await expectCancelLeavesNothing(page, scenario);
}
