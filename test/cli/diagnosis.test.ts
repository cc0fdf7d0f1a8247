// The diagnosis on the command line (issue 14): the human lines and the one failure line come
// from the diagnosis event, which --json prints as it is. The process cases run the real
// `roadwarrior connect` in a namespace of their own with only loopback: no name resolves there,
// and nothing listens on 127.0.0.1 UDP 500, so the kernel answers with ICMP port unreachable.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { diagnosisTracker, failureLine, humanRenderer } from '../../app/cli/render.js';
import { icmpBudgetMs } from '../../app/engine/diagnosis/budgets.js';
import { DIAGNOSES } from '../../app/engine/diagnosis/table.js';
import { DEFAULT_RETRANSMIT } from '../../app/engine/messenger.js';
import type { DiagnosisEvent } from '../../app/shared/events.js';
import { runCli } from '../support/cli-process.js';
import { reportSkippedSuite } from '../support/interop.js';

const RAISED: DiagnosisEvent = {
  type: 'diagnosis',
  at: 1,
  code: 'esp-blocked',
  ...DIAGNOSES['esp-blocked'],
  evidence: ['40 ESP packet(s) sent: none decrypted', 'the gateway still answers IKE'],
  cleared: false,
};

test('a diagnosis in human lines: code and cause, each piece of evidence, what to try', () => {
  let text = '';
  humanRenderer((line) => (text += line), 'info')(RAISED);
  assert.equal(
    text,
    `diagnosis (esp-blocked): ${RAISED.cause}\n  - 40 ESP packet(s) sent: none decrypted\n  - the gateway still answers IKE\n  try: ${RAISED.next}\n`,
  );
});

test('the failure line is the current diagnosis; without one, the error', () => {
  const tracker = diagnosisTracker();
  const error = { code: 'timeout', message: 'no answer' };
  assert.equal(failureLine(tracker.current(), error), 'roadwarrior: timeout: no answer\n');
  tracker.observe(RAISED);
  assert.equal(
    failureLine(tracker.current(), error),
    `roadwarrior: esp-blocked: ${RAISED.cause}\n`,
  );
  tracker.observe({ ...RAISED, cleared: true });
  assert.equal(tracker.current(), undefined, 'a cleared diagnosis is gone');
});

const NETNS = `rw-diag-cli-${process.pid}`;
let secrets = '';
/** a namespace of its own needs root (CI runs as root); elsewhere these cases skip, loudly */
const rootReason = process.getuid?.() === 0 ? undefined : 'needs root for a network namespace';
reportSkippedSuite('the CLI diagnosis in a network namespace', rootReason);
const needsRoot = rootReason === undefined ? {} : { skip: rootReason };

before(() => {
  if (needsRoot.skip) return;
  execFileSync('ip', ['netns', 'add', NETNS]);
  execFileSync('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
  secrets = mkdtempSync(join(tmpdir(), 'rw-diag-cli-'));
  writeFileSync(join(secrets, 'psk'), 'group-key\n', { mode: 0o600 });
  writeFileSync(join(secrets, 'password'), 'password\n', { mode: 0o600 });
});

after(() => {
  if (needsRoot.skip) return;
  execFileSync('ip', ['netns', 'del', NETNS]);
  rmSync(secrets, { recursive: true, force: true });
});

const connectArgs = (gateway: string, ...more: string[]) => [
  'connect',
  '--gateway',
  gateway,
  '--group',
  'staff',
  '--username',
  'alice',
  '--group-psk-file',
  join(secrets, 'psk'),
  '--password-file',
  join(secrets, 'password'),
  '--no-script',
  ...more,
];

test(
  'connect to a name that does not resolve: exit 1, one line "roadwarrior: name-unresolved: ..."',
  needsRoot,
  async () => {
    const run = runCli(connectArgs('vpn.example.invalid'), { netns: NETNS });
    const { code } = await run.exit;
    assert.equal(code, 1);
    const lines = run.stderr().trim().split('\n');
    assert.equal(
      lines.at(-1),
      `roadwarrior: name-unresolved: ${DIAGNOSES['name-unresolved'].cause}`,
    );
  },
);

test(
  'connect --json to an address that answers with ICMP port unreachable: the icmp-unreachable event within its budget',
  needsRoot,
  async () => {
    const run = runCli(connectArgs('127.0.0.1', '--json'), { netns: NETNS });
    try {
      const diagnosis = (await run.waitFor(
        (e) => e.type === 'diagnosis',
        60_000,
        'a diagnosis',
      )) as DiagnosisEvent;
      assert.equal(diagnosis.code, 'icmp-unreachable');
      assert.match(diagnosis.evidence.join('\n'), /ECONNREFUSED/);
      const sent = run.events.find((e) => e.type === 'state' && e.state === 'am1-sent');
      assert.ok(sent, 'message 1 went out');
      const budget = icmpBudgetMs({
        retransmit: DEFAULT_RETRANSMIT,
        dpd: { delaySeconds: 30, retries: 5 },
      });
      assert.ok(diagnosis.at - sent.at <= budget, `${diagnosis.at - sent.at} ms`);
    } finally {
      await run.stop('SIGTERM');
    }
  },
);
