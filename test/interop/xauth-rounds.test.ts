// XAuth beyond one round (issue 15 item 5) against the real strongSwan: its eap-radius plugin's
// XAuth backend (swanctl `xauth-radius:<profile>`) asks one XAuth exchange per configured type,
// in order, each with its message, and verifies all the answers concatenated as the RADIUS
// User-Password with the lab's RADIUS server (test/lab/radius.ts). The desktop service answers
// round 1 (username, password) from the keychain and every later round through its prompt, as
// the desktop's dialog does; the CLI answers round 1 from its password file and asks the rest on
// a terminal (a pty), the new PIN twice. Either way the connection comes up and carries a ping,
// and the RADIUS server saw the concatenation. A wrong answer in round 2 fails as
// xauth-rejected, diagnosed as XAuth.
//
// What strongSwan cannot play, and why (its eap_radius_xauth.c, 5.9.8): it never sends
// XAUTH_TYPE (every round is generic: OTP, CHAP and S/KEY are tested in memory only); it asks the
// username only in round 1; it asks each type at most once, since the types are the keys of its
// profile (no passcode again after a new PIN, as a token in new-PIN mode wants); every round asks
// for a value (no message only to acknowledge); it decides only after the last round (a wrong
// answer is refused at the end, never in the middle), and an Access-Challenge, RADIUS asking for
// more, it refuses. Those cases are played by the gateway double (test/engine/xauth.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VpnService } from '../../app/main/service/vpn-service.js';
import type { PromptRequest } from '../../app/shared/ui/ipc-schemas.js';
import { type XauthField, xauthFieldRow } from '../../app/shared/xauth-fields.js';
import { LAB_DEFAULTS, type XauthRadiusRound } from '../lab/index.js';
import { connectOnTerminal } from '../support/cli-terminal.js';
import {
  IN_PROCESS,
  VIA_HELPER,
  clientFiles,
  connectArgs,
  interopSkipReason,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
  waitForTunnel,
} from '../support/interop.js';
import { startLabService, untilSnapshot } from '../support/lab-service.js';

const skip = interopSkipReason();
const USER = LAB_DEFAULTS.users[0]!;

const ROUNDS: XauthRadiusRound[] = [
  { type: 'password', message: '' },
  { type: 'passcode', message: 'Enter the code your token shows' },
  { type: 'nextpin', message: 'Choose a new PIN for your token' },
  { type: 'answer', message: 'Name of your first pet?' },
];
/** what the user types in the rounds after the first (the password is saved in the keychain) */
const ANSWERS: Partial<Record<XauthField, string>> = {
  passcode: '271828',
  'next-pin': '4711',
  answer: 'rex',
};
const CONCATENATED = `${USER.password}${ANSWERS.passcode}${ANSWERS['next-pin']}${ANSWERS.answer}`;
const LAB_OPTIONS = {
  xauthRadius: ROUNDS,
  users: [{ name: USER.name, password: CONCATENATED }],
};

type XauthPrompt = Extract<PromptRequest, { kind: 'xauth' }>;

/** Answers each XAuth prompt from `answers` until the service is connected or has failed;
 * returns the prompts in order. */
async function answerRounds(
  service: VpnService,
  answers: Partial<Record<XauthField, string>>,
): Promise<XauthPrompt[]> {
  const asked: XauthPrompt[] = [];
  const isNew = (prompt: PromptRequest | undefined) =>
    prompt !== undefined && !asked.some((p) => p.id === prompt.id);
  for (;;) {
    await untilSnapshot(
      service,
      (s) => isNew(s.prompt) || s.phase === 'connected' || s.phase === 'failed',
      'a new prompt, connected or failed',
    );
    const { prompt } = service.snapshot();
    if (!prompt || !isNew(prompt)) return asked;
    assert.equal(prompt.kind, 'xauth', `only XAuth rounds are asked: ${JSON.stringify(prompt)}`);
    asked.push(prompt);
    const values = Object.fromEntries(
      prompt.fields.map((field) => {
        const value = answers[field];
        assert.ok(
          value,
          `round ${prompt.round} asks for ${field}, which the test has no answer for`,
        );
        return [xauthFieldRow(field).answer, value];
      }),
    );
    assert.ok(service.answerPrompt({ id: prompt.id, values, remember: false }));
  }
}

describe(
  'XAuth in rounds, asked by strongSwan through RADIUS',
  { skip: skip !== undefined },
  () => {
    const suite = suiteLab(VIA_HELPER, {
      xauthRadius: ROUNDS,
      users: [{ name: USER.name, password: CONCATENATED }],
    });
    const backoff = { initialMs: 200, maxMs: 1_000, maxAttempts: 1, jitter: 0 };

    test('password, passcode, new PIN and an answer: each round asked with its message, connected', async () => {
      const { lab } = suite;
      const { service, close } = await startLabService(suite.via.helper!.socket, backoff);
      try {
        await service.connect('lab', 'debug');
        const asked = await answerRounds(service, ANSWERS);
        const snapshot = service.snapshot();
        assert.equal(snapshot.phase, 'connected', JSON.stringify(snapshot.failure));
        // round 1 came from the keychain; strongSwan sends no XAUTH_TYPE (generic) and asks the
        // XAuth attribute of each type: PASSCODE 16523, NEXT_PIN 16528, ANSWER 16529 (draft 6.1)
        assert.deepEqual(
          asked.map((p) => [p.round, p.xauthType, p.fields, p.message]),
          [
            [2, 'generic', ['passcode'], ROUNDS[1]!.message],
            [3, 'generic', ['next-pin'], ROUNDS[2]!.message],
            [4, 'generic', ['answer'], ROUNDS[3]!.message],
          ],
        );
        // strongSwan's own names for what it sent and what we answered (its log, IKE level 2):
        // each XAuth round's attributes and message, each reply exactly the attribute asked
        const exchanged = (kind: string) =>
          [
            ...lab.gatewayLog().matchAll(new RegExp(`\\[ HASH ${kind}\\((X_[^)]*)\\) \\]`, 'g')),
          ].map((m) => m[1]);
        assert.deepEqual(exchanged('CPRQ'), [
          'X_USER X_PWD',
          'X_CODE X_MSG',
          'X_PIN X_MSG',
          'X_ANSWER X_MSG',
        ]);
        assert.deepEqual(exchanged('CPRP'), ['X_USER X_PWD', 'X_CODE', 'X_PIN', 'X_ANSWER']);
        const sa = await waitForTunnel(lab);
        assert.equal(sa.remoteXauthId, USER.name);
        await pingFromClient(lab, 2);
        assert.deepEqual(
          lab.radiusRequests.map((r) => [r.userName, r.userPassword, r.verdict]),
          [[USER.name, CONCATENATED, 'accept']],
          lab.radiusLog(),
        );
        assert.equal(lab.radiusRequests[0]!.messageAuthenticator, 'valid');
      } finally {
        await close();
      }
      await lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
    });

    test('a wrong passcode in round 2 is rejected as XAuth, not phase 1', async () => {
      const { lab } = suite;
      const before = lab.radiusRequests.length;
      const { service, close } = await startLabService(suite.via.helper!.socket, backoff);
      try {
        await service.connect('lab', 'debug');
        const asked = await answerRounds(service, { ...ANSWERS, passcode: '000000' });
        // strongSwan decides after the last round: every round is still asked
        assert.equal(asked.length, 3);
        const { phase, failure, diagnosis } = service.snapshot();
        assert.equal(phase, 'failed');
        assert.equal(failure?.code, 'xauth-rejected', JSON.stringify(failure));
        assert.equal(failure?.failedAt, 'xauth');
        assert.equal(diagnosis?.code, 'xauth-rejected');
        assert.equal(diagnosis?.phase, 'xauth');
        assert.match(diagnosis?.cause ?? '', /XAuth/);
        const [request, ...more] = lab.radiusRequests.slice(before);
        assert.equal(more.length, 0, lab.radiusLog());
        assert.equal(request?.userPassword, CONCATENATED.replace(ANSWERS.passcode ?? '', '000000'));
        assert.equal(request?.verdict, 'reject');
      } finally {
        await close();
      }
      await lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA left after the rejection');
    });
  },
);

describe("XAuth in rounds on the CLI's terminal", { skip: skip !== undefined }, () => {
  const suite = suiteLab(IN_PROCESS, LAB_OPTIONS);

  test('each later round is asked on the terminal with the gateway message, the new PIN twice; connected', async () => {
    const { lab } = suite;
    const files = clientFiles(
      { gateway: lab.gatewayAddress },
      LAB_DEFAULTS.groupPsk,
      USER.password,
    );
    const typed: [string, string][] = [
      ['Passcode: ', ANSWERS.passcode!],
      ['New PIN: ', ANSWERS['next-pin']!],
      ['Confirm new PIN: ', ANSWERS['next-pin']!],
      ['Answer: ', ANSWERS.answer!],
    ];
    await connectOnTerminal(lab, files, connectArgs(files), async (pty) => {
      await pty.answer(typed, 30_000);
      await pty.waitFor(/connected to /, 20_000, 'connected');
      const terminal = pty.output();
      // each round's message shown before its question
      for (const [i, prompt] of [
        [1, 'Passcode: '],
        [2, 'New PIN: '],
        [3, 'Answer: '],
      ] as const) {
        const said = terminal.indexOf(`Gateway says: ${ROUNDS[i]!.message}`);
        assert.ok(said >= 0 && said < terminal.indexOf(prompt), `round ${i + 1}: ${terminal}`);
      }
      for (const [prompt, answer] of typed)
        assert.ok(!terminal.includes(`${prompt}${answer}`), `${prompt} echoed nothing`);
      await pingFromClient(lab, 2);
      assert.deepEqual(
        lab.radiusRequests.map((r) => [r.userName, r.userPassword, r.verdict]),
        [[USER.name, CONCATENATED, 'accept']],
        lab.radiusLog(),
      );
    });
  });
});

reportSkippedSuite('XAuth rounds interop', skip);
