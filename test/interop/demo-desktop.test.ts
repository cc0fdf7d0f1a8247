// `npm run demo` as a person meets it (issue #10): the README's command starts the throwaway
// head-end and the desktop UI, prints one URL; a browser on this machine (Chromium in the host's
// namespace, as a person's would be) opens it, finds the demo's profile ready, clicks Connect,
// accepts the banner, sees every step green and the counters rise from the demo's own pings,
// reads the exchange in the log, disconnects. Ctrl-C, sent to the whole process group as a
// terminal does, must leave no namespace and no process behind. The gateway (swanctl over its
// vici socket) is the judge of connected and disconnected.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PROFILE } from '../../scripts/demo-desktop.js';
import { LAB_ADDRESSES, LAB_DEFAULTS, ipv4InCidr } from '../lab/index.js';
import { labDir } from '../lab/cleanup.js';
import { Gateway, SWANCTL } from '../lab/gateway.js';
import { run } from '../lab/run.js';
import { type IkeSa, parseListSas } from '../lab/sas.js';
import { labNames, listNamespaces } from '../lab/topology.js';
import { chromiumMissing, launchChromium, openWatchedPage } from '../e2e/support/browser.js';
import {
  type FlowScenario,
  disconnect,
  expectConnected,
  expectCountersRising,
  expectLogShowsExchange,
} from '../e2e/support/ui-flow.js';
import { interopSkipReason, reportSkippedSuite } from '../support/interop.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const skip = interopSkipReason() ?? chromiumMissing();
const STARTUP_MS = 120_000;

/** `npm run demo` in its own process group, as a terminal runs it, with its output collected. */
interface DemoRun {
  child: ChildProcess;
  output(): string;
  /** resolves with the first match of `pattern` in the output (stdout and stderr) */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  exited: Promise<Ending>;
}

interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function startDemo(): DemoRun {
  const child = spawn('npm', ['run', 'demo'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: string) => {
    output += chunk;
    listeners.forEach((l) => l());
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  // 'close': every process holding its output (npm, and the demo npm started) has exited
  const exited = new Promise<Ending>((resolve) =>
    child.on('close', (code, signal) => {
      resolve({ code, signal });
      listeners.forEach((l) => l());
    }),
  );
  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const found = pattern.exec(output);
        if (found) done(() => resolve(found));
        else if (child.exitCode !== null || child.signalCode !== null)
          done(() => reject(new Error(`the demo exited before printing ${pattern}:\n${output}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });
  return { child, output: () => output, waitFor, exited };
}

/** The demo's gateway's SAs, asked over its vici socket (a file: no namespace needed). */
async function gatewaySas(labId: string): Promise<IkeSa[]> {
  const gateway = new Gateway(labNames(labId).gw, join(labDir(labId), 'charon'));
  const listed = await run(
    SWANCTL,
    ['--list-sas', '--pretty', '--uri', `unix://${gateway.viciSocket}`],
    {
      env: {
        ...process.env,
        STRONGSWAN_CONF: gateway.strongswanConfPath,
        SWANCTL_DIR: gateway.swanctlDir,
      },
    },
  );
  return parseListSas(listed.stdout);
}

describe(
  'npm run demo: the desktop UI in a browser on this machine',
  { skip: skip !== undefined },
  () => {
    let demo: DemoRun;
    let browser: Browser;
    let url: string;
    let labId: string;

    before(async () => {
      demo = startDemo();
      labId = (await demo.waitFor(/namespace rwgw-(\d+-\d+)\)/, STARTUP_MS))[1]!;
      url = (
        await demo.waitFor(/^Roadwarrior UI: (http:\/\/127\.0\.0\.1:\d+\/\S+\/)$/m, STARTUP_MS)
      )[1]!;
      browser = await launchChromium();
      await mkdir(ARTIFACTS, { recursive: true });
    });

    after(async () => {
      await browser?.close();
      // whatever happened, no demo left running
      if (demo?.child.exitCode === null && demo.child.signalCode === null)
        process.kill(-demo.child.pid!, 'SIGKILL');
    });

    function scenario(page: Page): FlowScenario {
      const user = LAB_DEFAULTS.users[0]!;
      return {
        profile: {
          name: DEMO_PROFILE,
          gateway: LAB_ADDRESSES.gateway,
          group: LAB_DEFAULTS.group,
          username: user.name,
        },
        secrets: { groupPsk: LAB_DEFAULTS.groupPsk, password: user.password, wrongPassword: '' },
        expect: {
          virtualIp: async () => {
            const sas = await gatewaySas(labId);
            assert.equal(sas.length, 1, 'one IKE SA on the gateway');
            assert.equal(sas[0]?.remoteXauthId, user.name);
            const [virtualIp] = sas[0]?.remoteVips ?? [];
            assert.ok(virtualIp && ipv4InCidr(virtualIp, LAB_ADDRESSES.pool), `${virtualIp}`);
            return virtualIp;
          },
          splitNetwork: LAB_ADDRESSES.lanNetwork,
          banner: LAB_DEFAULTS.banner,
        },
        screenshot: async (name) => {
          await page.screenshot({ path: join(ARTIFACTS, `demo-${name}.png`), fullPage: true });
        },
        gatewayHasSa: async () => (await gatewaySas(labId)).length > 0,
      };
    }

    test(
      'one URL; the profile is ready; Connect, green, counters rising, log, Disconnect',
      { timeout: 180_000 },
      async () => {
        assert.equal(
          demo.output().match(/https?:\/\//g)?.length,
          1,
          `one URL printed:\n${demo.output()}`,
        );
        const { page, problems } = await openWatchedPage(browser, url, 'light');
        const flow = scenario(page);
        await page.getByText(DEMO_PROFILE, { exact: true }).first().waitFor();
        await flow.screenshot('ready');
        // the secrets are in place: Connect asks for nothing, only the gateway's banner shows
        await page.getByRole('button', { name: 'Connect' }).click();
        await expectConnected(page, flow);
        await demo.waitFor(/^connected: pinging /m, 10_000);
        await expectCountersRising(page, flow);
        await flow.screenshot('connected');
        await expectLogShowsExchange(page, flow);
        await disconnect(page, flow);
        assert.deepEqual(problems, [], 'no console errors or CSP violations');
        await page.context().close();
      },
    );

    test(
      'Ctrl-C (SIGINT to the process group) removes every namespace and process',
      { timeout: 60_000 },
      async () => {
        const names = Object.values(labNames(labId));
        assert.deepEqual(
          names.filter((name) => listNamespaces().includes(name)),
          names,
          'the lab runs until Ctrl-C',
        );
        process.kill(-demo.child.pid!, 'SIGINT');
        // npm ends itself with the signal it got, once its script has exited (as in a terminal)
        const ending = await demo.exited;
        const said = `${JSON.stringify(ending)}; the demo printed:\n${demo.output()}`;
        assert.ok(ending.code === 0 || ending.signal === 'SIGINT', said);
        assert.match(demo.output(), /^demo cleaned up: /m, said);
        assert.doesNotMatch(demo.output(), /^demo: /m, `no failure while cleaning up: ${said}`);
        assert.deepEqual(
          names.filter((name) => listNamespaces().includes(name)),
          [],
          `no namespace left: ${said}`,
        );
        // none alive: a child killed in the demo's last moments may still be a zombie for as
        // long as it takes init to reap it
        const processes = await run('ps', ['-e', '-o', 'pgid=,stat=,pid=,args=']);
        const alive = processes.stdout
          .split('\n')
          .filter((line) => new RegExp(`^\\s*${demo.child.pid}\\s+[^Z\\s]`).test(line));
        assert.deepEqual(alive, [], `no process of the demo left: ${said}`);
      },
    );
  },
);

reportSkippedSuite('the demo e2e ran', skip);
