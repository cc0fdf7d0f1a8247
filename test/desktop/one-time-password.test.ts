// One-time passwords are never replayed (issue 15 item 6). The VpnService runs the real engine
// against the in-memory gateway (test/engine/support), whose first IKE SA lasts 2 s, so the
// engine re-authenticates after about 1 s: a password the profile marks as one-time, or any
// password the gateway forbade saving (Unity SAVE_PASSWD 0) while the keychain holds none, is
// asked for again, and the session stays up while the user answers. A gateway that says nothing
// (strongSwan) gets the password kept for the session, never saved.
// Reconnects after a dead peer (through the fake engine) ask for a one-time password again too.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryCredentialStore } from '../../app/main/service/credential-store.js';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { VpnService } from '../../app/main/service/vpn-service.js';
import { connect } from '../../app/engine/index.js';
import type { ProfileInput } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';
import type { EventMessage, PromptRequest, ServiceSnapshot } from '../../app/shared/ui/ipc.js';
import { FakeGateway } from '../engine/support/fake-gateway.js';
import { type XauthRound, passwordRound } from '../engine/support/gateway-script.js';
import { GATEWAY_SECRETS, createServiceFixture } from './support/service-fixture.js';

const { groupPsk, username } = GATEWAY_SECRETS;

const PROFILE: ProfileInput = {
  name: 'Token',
  gateway: '192.0.2.1',
  group: 'staff',
  username,
  ikeProposals: ['aes128-sha1-ecp256'],
  espProposals: ['aes128-sha1'],
};

interface Lab {
  service: VpnService;
  /** the gateway's XAuth rounds: replacing one changes what a later authentication expects */
  rounds: XauthRound[];
  gateway: () => FakeGateway;
  snapshots: ServiceSnapshot[];
  nextPrompt: (after?: string) => Promise<PromptRequest>;
  until: (what: string, done: () => boolean) => Promise<void>;
  close: () => Promise<void>;
}

async function startLab(
  profile: Partial<ProfileInput>,
  firstCode: string,
  savePassword?: boolean,
): Promise<Lab> {
  const directory = await mkdtemp(join(tmpdir(), 'rw-otp-'));
  const rounds = [passwordRound(username, firstCode)];
  const gateways: FakeGateway[] = [];
  const credentials = new MemoryCredentialStore();
  await credentials.set(PROFILE.name, 'group-psk', Secret.fromString(groupPsk));
  const service = new VpnService({
    connect,
    createDataPlane: () => {
      const gateway = new FakeGateway({
        psk: groupPsk,
        username,
        password: firstCode,
        xauthRounds: rounds,
        virtualIp: '10.99.0.7',
        ...(savePassword !== undefined ? { savePassword } : {}),
        firstIkeLifetimeSeconds: 2,
        // a user takes a while: the gateway keeps asking, as strongSwan does for minutes
        retransmit: { intervalMs: 50, tries: 200 },
      });
      gateways.push(gateway);
      return gateway;
    },
    profiles: new ProfileStore(join(directory, 'profiles')),
    credentials,
    connectDefaults: { timing: { initialMs: 10, tries: 4 }, skipDns: true },
  });
  const messages: EventMessage[] = [];
  const changed = new Set<() => void>();
  service.on((message) => {
    messages.push(message);
    for (const check of [...changed]) check();
  });
  await service.start();
  await service.saveProfile({ ...PROFILE, ...profile });
  const snapshots = () =>
    messages.flatMap((m) => (m.name === 'snapshot' ? [m.payload as ServiceSnapshot] : []));
  /** Resolves once `done` holds; fails when the session fails, or (a guard against a hang,
   * not a timing check: the service fixture's limit) after 10 s. */
  const until = (what: string, done: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        changed.delete(check);
        clearInterval(poll);
        clearTimeout(guard);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (done()) finish();
        else if (snapshots().some((s) => s.phase === 'failed'))
          finish(new Error(`the session failed waiting for ${what}`));
      };
      // the gateway's side changes without a service event
      const poll = setInterval(check, 10);
      const guard = setTimeout(() => finish(new Error(`waited 10 s for ${what}`)), 10_000);
      changed.add(check);
      check();
    });
  return {
    service,
    rounds,
    gateway: () => gateways.at(-1) as FakeGateway,
    get snapshots() {
      return snapshots();
    },
    async nextPrompt(after) {
      let prompt: PromptRequest | undefined;
      await until('an XAuth prompt', () => {
        prompt = service.snapshot().prompt;
        return prompt?.kind === 'xauth' && prompt.id !== after;
      });
      return prompt as PromptRequest;
    },
    until,
    async close() {
      await service.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Connects, answering the first prompt with `code`; the prompt. */
async function connectWith(lab: Lab, code: string): Promise<PromptRequest> {
  await lab.service.connect(PROFILE.name, 'info');
  const first = await lab.nextPrompt();
  lab.service.answerPrompt({ id: first.id, values: { username, password: code }, remember: false });
  await lab.until('connected', () => lab.service.snapshot().phase === 'connected');
  return first;
}

/** While the re-authentication's prompt waits: connected, the first ESP SA still installed. */
async function assertUpWhileAsked(lab: Lab, first?: PromptRequest): Promise<PromptRequest> {
  const again = await lab.nextPrompt(first?.id);
  const channel = lab.gateway().channel;
  assert.ok(channel);
  assert.equal(lab.service.snapshot().phase, 'connected', 'the session stays up');
  assert.equal(lab.service.snapshot().engineState, 'rekeying');
  assert.equal(channel.installed.length, 1);
  assert.deepEqual(channel.removed, [], 'the first ESP SA still carries traffic');
  return again;
}

test('a password the profile marks as one-time is asked again at re-authentication, the tunnel up meanwhile', async () => {
  const lab = await startLab({ tokenCode: true }, '111111');
  try {
    const first = await connectWith(lab, '111111');
    assert.ok(first.kind === 'xauth');
    assert.equal(first.canRemember, false, 'a one-time password is never saved');
    assert.equal(first.reason, undefined);

    // the token shows the next code; the gateway takes only that one now
    lab.rounds[0] = passwordRound(username, '222222');
    const again = await assertUpWhileAsked(lab, first);
    assert.ok(again.kind === 'xauth');
    assert.match(again.reason ?? '', /one-time password is never sent twice/);
    assert.equal(again.canRemember, false);
    lab.service.answerPrompt({
      id: again.id,
      values: { username, password: '222222' },
      remember: false,
    });

    const responder = lab.gateway().responder;
    assert.ok(responder);
    await lab.until('the new IKE SA', () => responder.ikeSaCount === 2 && responder.xauthAccepted);
    await lab.until('connected again', () => lab.service.snapshot().engineState === 'connected');
    assert.deepEqual(
      responder.xauthAnswers.map((a) => a.password),
      ['111111', '222222'],
      'each authentication sent the code typed for it',
    );
    assert.ok(
      lab.snapshots.every((s) => s.phase !== 'reconnecting' && s.phase !== 'failed'),
      'no reconnect: the re-authentication kept the session',
    );
  } finally {
    await lab.close();
  }
});

test('SAVE_PASSWD 0 and nothing in the keychain: a static password is asked again at re-authentication', async () => {
  const lab = await startLab({}, 'correct horse', false);
  try {
    const first = await connectWith(lab, 'correct horse');
    assert.ok(first.kind === 'xauth');
    const again = await assertUpWhileAsked(lab, first);
    assert.ok(again.kind === 'xauth');
    assert.match(again.reason ?? '', /SAVE_PASSWD is off/);
    assert.equal(again.canRemember, false, 'the gateway forbade saving');
    lab.service.answerPrompt({
      id: again.id,
      values: { username, password: 'correct horse' },
      remember: false,
    });
    const responder = lab.gateway().responder;
    assert.ok(responder);
    await lab.until('the new IKE SA', () => responder.ikeSaCount === 2 && responder.xauthAccepted);
    assert.equal(responder.xauthAnswers.length, 2);
  } finally {
    await lab.close();
  }
});

test('SAVE_PASSWD 0 and the first password from the keychain: removed, and the re-authentication asks saying why', async () => {
  const lab = await startLab({}, 'correct horse', false);
  try {
    await lab.service.setCredential(PROFILE.name, 'xauth-password', 'correct horse');
    await lab.service.connect(PROFILE.name, 'info');
    await lab.until('connected', () => lab.service.snapshot().phase === 'connected');
    const again = await assertUpWhileAsked(lab);
    assert.ok(again.kind === 'xauth');
    assert.match(
      again.reason ?? '',
      /SAVE_PASSWD is off/,
      'asked mid-session: the user is told why',
    );
  } finally {
    await lab.close();
  }
});

test('no SAVE_PASSWD at all: the static password is kept for the re-authentication, not asked again', async () => {
  const lab = await startLab({}, 'correct horse');
  try {
    await connectWith(lab, 'correct horse');
    const responder = lab.gateway().responder;
    assert.ok(responder);
    await lab.until('the second authentication', () => responder.xauthAnswers.length === 2);
    assert.deepEqual(
      responder.xauthAnswers.map((a) => a.password),
      ['correct horse', 'correct horse'],
    );
    assert.equal(lab.service.snapshot().prompt, undefined, 'nobody was asked');
  } finally {
    await lab.close();
  }
});

test('a password the profile marks as one-time is asked again on reconnect, and never read from the keychain', async () => {
  const fixture = await createServiceFixture({ savePasswordAllowed: true });
  try {
    const office = await fixture.service.getProfile('Office');
    await fixture.service.saveProfile({ ...office, tokenCode: true }, 'Office');
    await fixture.credentials.set('Office', 'group-psk', Secret.fromString(groupPsk));
    // saved before the profile was marked: a one-time profile does not replay it
    await fixture.credentials.set('Office', 'xauth-password', Secret.fromString('stale code'));
    await fixture.service.connect('Office', 'info');
    const first = await fixture.waitFor('snapshot', (s) => s.prompt?.kind === 'xauth', 'XAuth');
    const id = first.prompt?.id ?? '';
    fixture.service.answerPrompt({
      id,
      values: { username, password: GATEWAY_SECRETS.password },
      remember: true,
    });
    await fixture.waitFor('snapshot', (s) => s.phase === 'connected', 'connected');
    fixture.gateway.current?.killPeer();
    const again = await fixture.waitFor(
      'snapshot',
      (s) => s.prompt?.kind === 'xauth' && s.prompt.id !== id,
      'the password prompt while reconnecting',
    );
    assert.ok(again.prompt?.kind === 'xauth');
    assert.match(again.prompt.reason ?? '', /one-time password is never sent twice/);
    assert.equal(
      (await fixture.credentials.get('Office', 'xauth-password'))?.revealString(),
      'stale code',
      '"remember" did not save a one-time password',
    );
  } finally {
    await fixture.close();
  }
});
