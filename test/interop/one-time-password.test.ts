// One-time passwords are never replayed (issue 15 item 6) against the real strongSwan: XAuth
// through its eap-radius backend (one password round), checked by the lab's RADIUS server as a
// token server would, each code accepted once (test/lab/radius-answer.ts, LabUser.oneTimeCodes).
// The profile marks its password as a token code (tokenCode) and asks for the shortest IKE SA
// lifetime it allows (60 s; strongSwan answers with the lifetime the initiator proposed), so the
// engine re-authenticates after about 51-54 s: a new phase 1 and XAuth under which the user is
// asked for the next code while the first IKE SA's ESP SAs still carry traffic. RADIUS judges
// that the second authentication carried the new code and that the first was never sent again.
//
// The other one-time case strongSwan plays too: a static password the gateway forbids saving
// (Unity SAVE_PASSWD 0, sent by strongSwan as a pool attribute of 4 zero bytes) is removed from
// the keychain, so the re-authentication asks for it again (a second lab, since charon loads
// its attributes and RADIUS plugin at start and the token lab allows saving).
//
// What strongSwan cannot play, and why: it sends no XAUTH_TYPE (so never OTP or S/KEY) and asks
// no passcode round for a password, so a gateway signalling a one-time password is played by the
// gateway double (test/desktop/one-time-password.test.ts); here the profile's mark makes the
// code one-time. strongSwan as an IKEv1 responder never starts a re-authentication (the client
// must), so only the client's own is tested; a reconnect after a dead peer is tested in memory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VpnService } from '../../app/main/service/vpn-service.js';
import type { ProfileInput } from '../../app/shared/profile.js';
import type { PromptRequest, ServiceSnapshot } from '../../app/shared/ui/ipc-schemas.js';
import { xauthFieldRow } from '../../app/shared/xauth-fields.js';
import { LAB_DEFAULTS, type Lab, type XauthRadiusRound } from '../lab/index.js';
import { connectOnTerminal } from '../support/cli-terminal.js';
import {
  VIA_HELPER,
  clientFiles,
  interopSkipReason,
  pingFromClient,
  type SuiteLab,
  reportSkippedSuite,
  suiteLab,
  waitForTunnel,
} from '../support/interop.js';
import { startLabService, untilSnapshot } from '../support/lab-service.js';

const skip = interopSkipReason();
const USER = LAB_DEFAULTS.users[0]!;
/** the token's codes in the order it shows them: the desktop test takes two, the CLI's two */
const CODES = ['318007', '604211', '925538', '140662'] as const;
const ROUND: XauthRadiusRound = { type: 'password', message: 'Enter the code your token shows' };
// the profile's shortest IKE SA lifetime: the engine re-authenticates 10-15 % before it ends
const IKE_LIFETIME_SECONDS = 60;
/** only against a hang: the re-authentication comes after about 54 s */
const REAUTH_BOUND_MS = 120_000;
const BACKOFF = { initialMs: 200, maxMs: 1_000, maxAttempts: 1, jitter: 0 };
/** Cisco Unity SAVE_PASSWD (app/engine/wire/constants.ts UnityAttr.SavePasswd) */
const UNITY_SAVE_PASSWD = 28673;

type XauthPrompt = Extract<PromptRequest, { kind: 'xauth' }>;

/** How a desktop session started: its service, keychain and every phase it went through. */
type DesktopSession = Awaited<ReturnType<typeof startLabService>> & { phases: Set<string> };

async function desktopSession(
  suite: SuiteLab,
  profile: Partial<ProfileInput>,
): Promise<DesktopSession> {
  const session = await startLabService(suite.via.helper!.socket, BACKOFF, {
    ikeLifetimeSeconds: IKE_LIFETIME_SECONDS,
    ...profile,
  });
  const phases = new Set<string>();
  session.service.on((message) => {
    if (message.name === 'snapshot') phases.add((message.payload as ServiceSnapshot).phase);
  });
  return { ...session, phases };
}

/** At re-authentication: the prompt after `answered` is asked for the reason `reason`, cannot
 * be saved, and while it waits the session stays up and the first SAs carry pings; `password`
 * answers it and finishes the re-authentication (strongSwan holds only the new IKE SA), without
 * a reconnect. */
async function answerReauthentication(
  lab: Lab,
  { service, phases }: DesktopSession,
  answered: string | undefined,
  reason: RegExp,
  password: string,
): Promise<void> {
  const firstSa = await waitForTunnel(lab);
  const radiusBefore = lab.radiusRequests.length;
  const again = await nextXauthPrompt(service, answered, REAUTH_BOUND_MS);
  assert.equal(again.round, 1);
  assert.equal(again.canRemember, false);
  assert.match(again.reason ?? '', reason);
  const { phase, engineState } = service.snapshot();
  assert.deepEqual([phase, engineState], ['connected', 'rekeying']);
  await pingFromClient(lab, 3);
  assert.equal(lab.radiusRequests.length, radiusBefore, 'nothing sent before the user answers');
  answerPassword(service, again, password);
  await untilReauthenticated(lab, firstSa.initiatorSpi);
  await untilSnapshot(service, (s) => s.engineState === 'connected', 'connected again');
  await pingFromClient(lab, 2);
  assert.deepEqual(
    [...phases].filter((p) => p === 'reconnecting' || p === 'failed'),
    [],
    'no reconnect: the re-authentication kept the session',
  );
}

/** The next XAuth prompt other than `answered`. */
async function nextXauthPrompt(
  service: VpnService,
  answered: string | undefined,
  boundMs?: number,
): Promise<XauthPrompt> {
  await untilSnapshot(
    service,
    (s) => s.prompt !== undefined && s.prompt.id !== answered,
    'an XAuth prompt',
    boundMs,
  );
  const { prompt } = service.snapshot();
  assert.equal(prompt?.kind, 'xauth', JSON.stringify(prompt));
  return prompt as XauthPrompt;
}

/** Answers a round-1 prompt (username, password), asking to save the password. */
function answerPassword(service: VpnService, prompt: XauthPrompt, password: string): void {
  const values = Object.fromEntries(
    prompt.fields.map((field) => [
      xauthFieldRow(field).answer,
      field === 'username' ? USER.name : password,
    ]),
  );
  assert.ok(service.answerPrompt({ id: prompt.id, values, remember: true }));
}

/** Resolves once strongSwan holds only an IKE SA other than `firstSpi`'s, established, with its
 * ESP SA: the client's re-authentication is done and the first IKE SA deleted. */
async function untilReauthenticated(lab: Lab, firstSpi: string): Promise<void> {
  const [ike] = await lab.waitForSas(
    (sas) =>
      sas.length === 1 &&
      sas[0]!.initiatorSpi !== firstSpi &&
      sas[0]!.state === 'ESTABLISHED' &&
      sas[0]!.childSas.length === 1,
    15_000,
    'only the re-authenticated IKE SA, with its ESP SA',
  );
  assert.equal(ike?.remoteXauthId, USER.name);
}

/** RADIUS got exactly `codes` since request `from`, each accepted: none sent twice. */
function assertRadiusSaw(lab: Lab, from: number, codes: readonly string[]): void {
  assert.deepEqual(
    lab.radiusRequests.slice(from).map((r) => [r.userName, r.userPassword, r.verdict]),
    codes.map((code) => [USER.name, code, 'accept']),
    lab.radiusLog(),
  );
}

describe(
  'a token code against strongSwan and a one-time RADIUS',
  { skip: skip !== undefined },
  () => {
    const suite = suiteLab(VIA_HELPER, {
      xauthRadius: [ROUND],
      users: [{ ...USER, oneTimeCodes: [...CODES] }],
      // Unity SAVE_PASSWD 1: the gateway lets the client save a password, so only the profile's
      // mark keeps the codes out of the keychain
      savePassword: true,
    });
    test('the desktop asks for a new code at re-authentication, the tunnel carries pings while it asks, RADIUS never sees a code twice', async () => {
      const { lab } = suite;
      const before = lab.radiusRequests.length;
      const session = await desktopSession(suite, { tokenCode: true });
      const { service, credentials, close } = session;
      const storedPassword = async () =>
        (await credentials.get('lab', 'xauth-password'))?.revealString();
      const stored = await storedPassword();
      assert.ok(stored?.endsWith(USER.password), 'startLabService saved the static password');
      try {
        await service.connect('lab', 'debug');
        // asked although the keychain holds a password: a token profile never reads it
        const first = await nextXauthPrompt(service, undefined);
        assert.deepEqual(
          [first.round, first.message, first.canRemember],
          [1, ROUND.message, false],
        );
        answerPassword(service, first, CODES[0]);
        await untilSnapshot(
          service,
          (s) => s.phase === 'connected' || s.phase === 'failed',
          'connected',
        );
        assert.equal(service.snapshot().phase, 'connected', JSON.stringify(service.snapshot()));
        await pingFromClient(lab, 2);

        await answerReauthentication(
          lab,
          session,
          first.id,
          /one-time password is never sent twice/,
          CODES[1],
        );
        assertRadiusSaw(lab, before, [CODES[0], CODES[1]]);
        assert.equal(
          await storedPassword(),
          stored,
          '"remember" saved neither code over the stored password',
        );
      } finally {
        await close();
      }
      await lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
    });

    test('the CLI asks for a new code on the terminal at re-authentication while the tunnel carries pings', async () => {
      const { lab } = suite;
      const before = lab.radiusRequests.length;
      const files = clientFiles(
        { gateway: lab.gatewayAddress, tokenCode: true, ikeLifetimeSeconds: IKE_LIFETIME_SECONDS },
        LAB_DEFAULTS.groupPsk,
        '',
      );
      // no --password-file: connect refuses one for a token profile (test/cli/one-time-password)
      const args = [
        'connect',
        '--profile',
        files.profile,
        '--group-psk-file',
        files.psk,
        '--no-dns',
      ];
      const asked = (times: number) =>
        new RegExp(`(Gateway says: ${ROUND.message}\\s+Password: [\\s\\S]*){${times}}`);
      await connectOnTerminal(lab, files, args, async (pty) => {
        await pty.answer([['Password: ', CODES[2]]], 30_000);
        await pty.waitFor(/connected to /, 20_000, 'connected');
        const firstSa = await waitForTunnel(lab);
        await pingFromClient(lab, 2);

        await pty.waitFor(asked(2), REAUTH_BOUND_MS, 'the code asked again at re-authentication');
        // while the question waits on the terminal, the first SAs carry traffic
        await pingFromClient(lab, 3);
        assertRadiusSaw(lab, before, [CODES[2]]);
        pty.type(`${CODES[3]}\r`);

        await untilReauthenticated(lab, firstSa.initiatorSpi);
        await pingFromClient(lab, 2);
        assertRadiusSaw(lab, before, [CODES[2], CODES[3]]);
        const terminal = pty.output();
        for (const code of CODES.slice(2)) assert.ok(!terminal.includes(code), `${code} echoed`);
        assert.doesNotMatch(terminal, asked(3), 'asked once per authentication');
      });
    });
  },
);

describe(
  'a static password strongSwan forbids saving (SAVE_PASSWD 0)',
  { skip: skip !== undefined },
  () => {
    const suite = suiteLab(VIA_HELPER, {
      xauthRadius: [{ type: 'password', message: '' }],
      extraAttributes: { [UNITY_SAVE_PASSWD]: '0.0.0.0' },
    });

    test('removed from the keychain after connecting, so the re-authentication asks for it again', async () => {
      const { lab } = suite;
      const session = await desktopSession(suite, {});
      const { service, credentials, close } = session;
      try {
        await service.connect('lab', 'debug');
        await untilSnapshot(
          service,
          (s) => s.phase === 'connected' || s.phase === 'failed',
          'connected',
        );
        assert.equal(service.snapshot().phase, 'connected', JSON.stringify(service.snapshot()));
        assert.equal(service.snapshot().prompt, undefined, 'the keychain answered the first');
        await answerReauthentication(lab, session, undefined, /SAVE_PASSWD is off/, USER.password);
        assertRadiusSaw(lab, 0, [USER.password, USER.password]);
        assert.equal(
          await credentials.get('lab', 'xauth-password'),
          undefined,
          'removed when the gateway forbade it, and "remember" did not save it again',
        );
      } finally {
        await close();
      }
      await lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
    });
  },
);

reportSkippedSuite('one-time password interop', skip);
