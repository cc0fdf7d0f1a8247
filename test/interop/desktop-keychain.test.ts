// The desktop UI's keychain story against the real strongSwan head-end, in Chromium through
// `roadwarrior ui`, with a real Secret Service: gnome-keyring, unlocked, on a private D-Bus
// session in the lab's client namespace, its files in a scratch HOME. Secrets set and cleared
// from the UI; "Save password" at the XAuth prompt making the next connect ask nothing; the
// gateway forbidding saved passwords (Unity SAVE_PASSWD = 0) removing the saved one, telling the
// user, and the next connect asking again. The Secret Service itself (secret-tool on the same
// bus) is the judge of what is stored; every frame the page receives is the judge of what the
// renderer could ever see.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../lab/index.js';
import { type Notice, invokes } from '../../app/shared/ui/ipc.js';
import { Secret } from '../../app/shared/secret.js';
import { unbindSecret } from '../../app/main/service/secret-binding.js';
import {
  chromiumMissing,
  launchChromiumInNamespace,
  openWatchedPage,
} from '../e2e/support/browser.js';
import { buildRenderer } from '../e2e/support/build-renderer.js';
import {
  type FlowScenario,
  createProfile,
  disconnect,
  expectConnected,
} from '../e2e/support/ui-flow.js';
import { type UiProcess, startUiProcess } from '../e2e/support/ui-process.js';
import { interopSkipReason, reportSkippedSuite } from '../support/interop.js';
import {
  type KeyringSession,
  keyringToolsMissing,
  loginKeyringFile,
  scratchHomeEnv,
  startKeyringSession,
} from '../support/keyring-session.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const skip = interopSkipReason() ?? chromiumMissing() ?? keyringToolsMissing();
const USER = LAB_DEFAULTS.users[0]!;
const PROFILE = 'Lab';
const TIMEOUT = 20_000;
/** Cisco Unity SAVE_PASSWD (app/engine/wire/constants.ts UnityAttr.SavePasswd) */
const UNITY_SAVE_PASSWD = 28673;
/** set from the UI, then forgotten: it must not reach the gateway or stay anywhere */
const PASSWORD_SET_IN_SETTINGS = 'set-then-forgotten-7f3a';
/** saved in Settings, then rejected by the gateway */
const STALE_PASSWORD = 'stale-saved-password-91c2';
/** typed at the group key prompt with "Save" checked: the gateway does not accept it */
const MISTYPED_GROUP_KEY = 'lab-group-secret-typo';
const SECRETS = [
  LAB_DEFAULTS.groupPsk,
  USER.password,
  PASSWORD_SET_IN_SETTINGS,
  STALE_PASSWORD,
  MISTYPED_GROUP_KEY,
];

/** A secret as it would appear if it leaked: verbatim, or as hex or base64 of its bytes. */
function leakForms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString('hex'), bytes.toString('base64')];
}

function assertNoSecretIn(text: string, where: string): void {
  for (const secret of SECRETS)
    for (const form of leakForms(secret))
      assert.ok(!text.includes(form), `a secret (${form.slice(0, 3)}…) appears in ${where}`);
}

interface IpcFrame {
  t: string;
  id?: number;
  name?: string;
  result?: { ok: boolean; value?: unknown };
  payload?: Record<string, unknown>;
}

/** Every web socket frame between the page and the web host, as the page saw it. */
class IpcRecord {
  readonly received: string[] = [];
  private readonly invokeNames = new Map<number, string>();

  constructor(page: Page) {
    page.on('websocket', (socket) => {
      socket.on('framesent', ({ payload }) => {
        const frame = JSON.parse(String(payload)) as IpcFrame;
        if (frame.t === 'invoke' && frame.id !== undefined && frame.name)
          this.invokeNames.set(frame.id, frame.name);
      });
      socket.on('framereceived', ({ payload }) => this.received.push(String(payload)));
    });
  }

  frames(from = 0): IpcFrame[] {
    return this.received.slice(from).map((raw) => JSON.parse(raw) as IpcFrame);
  }

  /** what the host answered to each invoke of a name */
  results(name: string): unknown[] {
    return this.frames().flatMap((frame) =>
      frame.t === 'result' && frame.id !== undefined && this.invokeNames.get(frame.id) === name
        ? [frame.result]
        : [],
    );
  }

  events(name: string, from = 0): Record<string, unknown>[] {
    return this.frames(from).flatMap((frame) =>
      frame.t === 'event' && frame.name === name && frame.payload ? [frame.payload] : [],
    );
  }
}

describe('the keychain in the desktop UI against strongSwan', { skip: skip !== undefined }, () => {
  let lab: Lab;
  let work: string;
  let staticDir: string;
  let keyring: KeyringSession;
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;
  let ipc: IpcRecord;
  let problems: string[];
  let watcher: { page: Page; problems: string[] };

  before(async () => {
    staticDir = await buildRenderer();
    // the gateway allows saved passwords (SAVE_PASSWD = 1) until the test that forbids them
    lab = await startLab({ savePassword: true });
    work = await mkdtemp(join(tmpdir(), 'rw-desktop-keychain-'));
    keyring = await startKeyringSession(lab.spawnInClient, await scratchHomeEnv(work));
    ui = await startUiProcess(
      lab.spawnInClient,
      ['--no-dns', '--static-dir', staticDir],
      keyring.env,
    );
    browser = await launchChromiumInNamespace(lab.names.cli, work);
    ({ page, problems } = await openWatchedPage(browser, ui.url, 'light'));
    ipc = new IpcRecord(page);
    // the socket opened with the page: reload so the record holds every frame from the start
    await page.reload();
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
    await keyring?.stop();
    await lab?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    if (staticDir) await rm(dirname(staticDir), { recursive: true, force: true });
  });

  /**
   * The secret under the app's service and account, as any Secret Service client reads it;
   * the entry must be bound to the profile's gateway and group (secret-binding.ts).
   */
  async function storedSecret(kind: 'group-psk' | 'xauth-password'): Promise<string | undefined> {
    const lookup = await lab.execInClient(
      'secret-tool',
      ['lookup', 'service', 'Roadwarrior', 'account', `${PROFILE}:${kind}`],
      { env: keyring.env, check: false },
    );
    if (lookup.code !== 0) return undefined;
    const { secret, binding } = unbindSecret(Secret.fromString(lookup.stdout));
    assert.deepEqual(binding, { gateway: LAB_ADDRESSES.gateway, group: LAB_DEFAULTS.group });
    return new TextDecoder().decode(secret.reveal());
  }

  const scenario: FlowScenario = {
    profile: {
      name: PROFILE,
      gateway: LAB_ADDRESSES.gateway,
      group: LAB_DEFAULTS.group,
      username: USER.name,
    },
    secrets: { groupPsk: LAB_DEFAULTS.groupPsk, password: USER.password, wrongPassword: '' },
    expect: {
      virtualIp: async () => {
        const [sa] = await lab.waitForSas(
          (sas) => sas.some((sa) => sa.childSas.some((c) => c.state === 'INSTALLED')),
          5_000,
          "the UI's connection on the gateway",
        );
        assert.equal(sa?.remoteXauthId, USER.name);
        return sa?.remoteVips[0] ?? 'no virtual IP';
      },
      splitNetwork: LAB_ADDRESSES.lanNetwork,
      banner: LAB_DEFAULTS.banner,
    },
    screenshot: async (name) => {
      await page.screenshot({ path: `${ARTIFACTS}keychain-${name}.png`, fullPage: true });
    },
    gatewayHasSa: async () => (await lab.listSas()).length > 0,
  };

  function secretRow(label: 'Group key' | 'XAuth password', on = page) {
    return on.locator('.secret-row').filter({ hasText: label });
  }

  async function openSettings(on = page): Promise<void> {
    await on.getByRole('tab', { name: 'Settings' }).click();
    await on.getByText('Saved secrets', { exact: true }).waitFor({ timeout: TIMEOUT });
  }

  /** a second window left on Settings must follow what sessions do to the saved password */
  async function watcherShows(state: 'saved in the keychain' | 'asked when connecting') {
    await secretRow('XAuth password', watcher.page)
      .getByText(state, { exact: true })
      .waitFor({ timeout: TIMEOUT });
  }

  async function saveSecret(label: 'Group key' | 'XAuth password', value: string): Promise<void> {
    const row = secretRow(label);
    await row.getByRole('button', { name: /^(Save|Change)…$/ }).click();
    await row.locator('input[type=password]').fill(value);
    await row.getByRole('button', { name: 'Save', exact: true }).click();
    await row.getByText('saved in the keychain', { exact: true }).waitFor({ timeout: TIMEOUT });
  }

  async function secretState(label: 'Group key' | 'XAuth password'): Promise<string | null> {
    return secretRow(label).locator('.secret-state').textContent();
  }

  /** Sign in at the XAuth prompt (the group key comes from the keychain: no prompt for it). */
  async function signIn(save: boolean): Promise<void> {
    const dialog = page.getByRole('dialog', { name: `Sign in to ${LAB_ADDRESSES.gateway}` });
    await dialog.getByLabel('Password', { exact: true }).fill(USER.password, { timeout: TIMEOUT });
    if (save)
      await dialog
        .getByLabel('Save the password in the keychain, if the gateway allows it')
        .check();
    await dialog.getByRole('button', { name: 'Sign in' }).click();
  }

  /** the notice with a code, once shown; it must say `words` */
  async function expectNotice(code: Notice['code'], words: RegExp): Promise<Locator> {
    const notice = page.locator(`.notice[data-code="${code}"]`);
    await notice.waitFor({ timeout: TIMEOUT });
    assert.match((await notice.textContent()) ?? '', words);
    return notice;
  }

  async function clickConnect(): Promise<void> {
    await page.getByRole('tab', { name: 'Connection' }).click();
    await page.getByRole('button', { name: /^(Connect|Try again)$/ }).click();
  }

  /** the rows the log pane shows for a search, out of all it holds */
  async function logSearch(text: string): Promise<{ shown: number; total: number }> {
    await page.getByRole('tab', { name: 'Log' }).click();
    await page.getByLabel('Level', { exact: true }).selectOption('debug');
    await page.getByLabel('Search', { exact: true }).fill(text);
    const status = (await page.getByTestId('log-status').textContent()) ?? '';
    const [, shown, total] = /^([\d,]+) of ([\d,]+) lines/.exec(status) ?? [];
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByRole('tab', { name: 'Connection' }).click();
    return { shown: Number(shown?.replace(/,/g, '')), total: Number(total?.replace(/,/g, '')) };
  }

  test(
    'secrets set and cleared in Settings: stored in the Secret Service, the page only learns whether',
    { timeout: 60_000 },
    async () => {
      assert.equal(await page.getByText('No keychain', { exact: true }).count(), 0);
      await createProfile(page, scenario);
      await openSettings();
      assert.equal(await secretState('Group key'), 'asked when connecting');

      await saveSecret('Group key', LAB_DEFAULTS.groupPsk);
      assert.equal(await storedSecret('group-psk'), LAB_DEFAULTS.groupPsk);

      await saveSecret('XAuth password', PASSWORD_SET_IN_SETTINGS);
      assert.equal(await storedSecret('xauth-password'), PASSWORD_SET_IN_SETTINGS);
      await secretRow('XAuth password').getByRole('button', { name: 'Forget' }).click();
      await secretRow('XAuth password')
        .getByText('asked when connecting', { exact: true })
        .waitFor({ timeout: TIMEOUT });
      assert.equal(await storedSecret('xauth-password'), undefined, 'forgotten in the keychain');

      // the contract: every credentials.* invoke answers whether, never what
      const statusKeys = ['groupPsk', 'keyPassphrase', 'keychain', 'profile', 'xauthPassword'];
      for (const name of ['credentials.status', 'credentials.set', 'credentials.clear']) {
        assert.ok(name in invokes);
        const results = ipc.results(name) as { ok: boolean; value: Record<string, unknown> }[];
        assert.ok(results.length > 0, `the page invoked ${name}`);
        for (const result of results) {
          assert.equal(result.ok, true);
          assert.deepEqual(Object.keys(result.value).sort(), statusKeys);
          assert.equal(typeof result.value.groupPsk, 'boolean');
          assert.equal(typeof result.value.xauthPassword, 'boolean');
          assert.equal(typeof result.value.keyPassphrase, 'boolean');
        }
      }
      await page.getByRole('tab', { name: 'Connection' }).click();
    },
  );

  test(
    '"Save password" at the XAuth prompt: saved, and the next connect asks nothing',
    { timeout: 120_000 },
    async () => {
      watcher = await openWatchedPage(browser, ui.url, 'dark');
      await openSettings(watcher.page);
      await watcherShows('asked when connecting');
      const firstConnect = ipc.received.length;
      await clickConnect();
      await signIn(true);
      await expectNotice('secret-saved', /The password for "Lab" was saved in the keychain/);
      await watcherShows('saved in the keychain');
      await watcher.page.screenshot({
        path: `${ARTIFACTS}keychain-settings-follow.png`,
        fullPage: true,
      });
      await expectConnected(page, scenario);
      const prompts = ipc
        .events('snapshot', firstConnect)
        .flatMap((s) => (s.prompt ? [(s.prompt as { kind: string }).kind] : []));
      assert.deepEqual([...new Set(prompts)], ['xauth'], 'the group key came from the keychain');
      assert.equal(await storedSecret('xauth-password'), USER.password);
      await disconnect(page, scenario);

      const secondConnect = ipc.received.length;
      await clickConnect();
      await expectConnected(page, scenario);
      const snapshots = ipc.events('snapshot', secondConnect);
      assert.ok(snapshots.some((s) => s.phase === 'connecting'));
      assert.deepEqual(
        snapshots.filter((s) => s.prompt),
        [],
        'no prompt at all',
      );
      const fromKeychain = await logSearch('using the XAuth password saved in the keychain');
      assert.ok(fromKeychain.shown > 0, 'the log says where the password came from');
      await disconnect(page, scenario);
    },
  );

  test(
    'the gateway forbids saved passwords (SAVE_PASSWD = 0): removed, the user told, asked again',
    { timeout: 120_000 },
    async () => {
      await lab.reloadConfig({ extraAttributes: { [UNITY_SAVE_PASSWD]: '0.0.0.0' } });
      const connecting = ipc.received.length;
      await clickConnect();
      // the saved password still signs in: the verdict comes with Mode Config, after XAuth
      const removed = await expectNotice(
        'saved-password-removed',
        /The gateway does not allow saved passwords .*removed from the keychain/,
      );
      await expectConnected(page, scenario);
      await scenario.screenshot('saved-password-removed');
      const networks = ipc.events('snapshot', connecting).flatMap((s) => s.network ?? []);
      assert.ok(
        networks.some(
          (n) => (n as { savePasswordAllowed?: boolean }).savePasswordAllowed === false,
        ),
        'the gateway said no explicitly (an absent SAVE_PASSWD would leave it undefined)',
      );
      assert.equal(await storedSecret('xauth-password'), undefined, 'gone from the keychain');
      await watcherShows('asked when connecting');
      assert.deepEqual(watcher.problems, [], 'no console errors in the second window');
      await watcher.page.context().close();
      await openSettings();
      assert.equal(await secretState('XAuth password'), 'asked when connecting');
      assert.equal(await secretState('Group key'), 'saved in the keychain');
      await page.getByRole('tab', { name: 'Connection' }).click();
      await removed.getByRole('button', { name: 'Dismiss' }).click();
      await disconnect(page, scenario);

      // asked again; asking to save it now is declined, and said so
      await clickConnect();
      await signIn(true);
      await expectNotice('password-not-saved', /does not allow saving the password/);
      await expectConnected(page, scenario);
      assert.equal(await storedSecret('xauth-password'), undefined, 'still not in the keychain');
      await disconnect(page, scenario);
    },
  );

  test(
    'a saved password the gateway rejects: removed, the user told, and asked for with the reason',
    { timeout: 120_000 },
    async () => {
      await openSettings();
      await saveSecret('XAuth password', STALE_PASSWORD);
      await clickConnect();
      const diagnosis = page.getByTestId('diagnosis');
      await diagnosis.waitFor({ timeout: TIMEOUT });
      assert.equal(await diagnosis.getAttribute('data-code'), 'xauth-rejected');
      const rejected = await expectNotice(
        'saved-password-rejected',
        /rejected the password saved for "Lab", so it was removed from the keychain/,
      );
      assert.equal(await storedSecret('xauth-password'), undefined, 'gone from the keychain');
      await rejected.getByRole('button', { name: 'Dismiss' }).click();

      await clickConnect();
      const dialog = page.getByRole('dialog', { name: `Sign in to ${LAB_ADDRESSES.gateway}` });
      await dialog
        .getByText('The gateway rejected the password last time.')
        .waitFor({ timeout: TIMEOUT });
      await signIn(false);
      await expectConnected(page, scenario);
      await disconnect(page, scenario);
    },
  );

  test(
    'a mistyped group key with "Save" checked: the failure explained, not saved, asked again',
    { timeout: 120_000 },
    async () => {
      await openSettings();
      await secretRow('Group key').getByRole('button', { name: 'Forget' }).click();
      await secretRow('Group key')
        .getByText('asked when connecting', { exact: true })
        .waitFor({ timeout: TIMEOUT });

      const answerGroupKey = async (key: string) => {
        const dialog = page.getByRole('dialog', { name: `Group key for “${PROFILE}”` });
        await dialog.getByLabel('Group key', { exact: true }).fill(key, { timeout: TIMEOUT });
        await dialog.getByLabel('Save the group key in the keychain').check();
        await dialog.getByRole('button', { name: 'Continue' }).click();
      };
      await clickConnect();
      await answerGroupKey(MISTYPED_GROUP_KEY);
      const diagnosis = page.getByTestId('diagnosis');
      await diagnosis.waitFor({ timeout: TIMEOUT });
      assert.equal(await diagnosis.getAttribute('data-code'), 'group-psk-wrong');
      await scenario.screenshot('group-key-rejected');
      assert.equal(await storedSecret('group-psk'), undefined, 'the mistyped key was not saved');

      await clickConnect();
      await answerGroupKey(LAB_DEFAULTS.groupPsk);
      await signIn(false);
      await expectConnected(page, scenario);
      assert.equal(await storedSecret('group-psk'), LAB_DEFAULTS.groupPsk, 'saved once proven');
      await disconnect(page, scenario);
    },
  );

  test(
    'no secret anywhere but the keychain: not in a frame, the page, the log, the profile or the output',
    { timeout: 60_000 },
    async () => {
      assert.ok(ipc.received.length > 0);
      ipc.received.forEach((frame, i) => assertNoSecretIn(frame, `web socket frame ${i}`));

      assertNoSecretIn(await page.content(), 'the DOM');
      const search = await logSearch(USER.password);
      assert.ok(search.total > 0, 'the log pane holds the sessions');
      assert.equal(search.shown, 0, 'no log line holds the password');

      const configDir = keyring.env.XDG_CONFIG_HOME ?? '';
      const files = (await readdir(configDir, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
      const texts = await Promise.all(files.map((file) => readFile(file, 'utf8')));
      assert.ok(
        texts.some((text) => text.includes(LAB_ADDRESSES.gateway)),
        `the profile file is among ${files.join(', ')}`,
      );
      files.forEach((file, i) => assertNoSecretIn(texts[i] ?? '', file));

      assert.match(ui.output(), /Roadwarrior UI: http/);
      assertNoSecretIn(ui.output(), "roadwarrior ui's stdout and stderr");
      assert.ok(existsSync(loginKeyringFile(keyring.env)), 'the keyring was the scratch one');
      assert.deepEqual(problems, [], 'no console errors or CSP violations');
    },
  );

  test('stopping roadwarrior ui', async () => {
    assert.equal(await ui.stop(), 0, `roadwarrior ui exits cleanly:\n${ui.output()}`);
  });
});

reportSkippedSuite('the desktop keychain e2e ran', skip);
