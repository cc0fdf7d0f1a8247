// XAuth beyond one round (draft-ietf-ipsec-isakmp-xauth-06 4, 6.2) against the scriptable
// gateway double: each round's question reaches the credential provider with the gateway's
// message, each answer reaches the gateway, the final XAUTH_STATUS is acknowledged, and a wrong
// answer in a later round ends as xauth-rejected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredentialProvider, XauthRequest, XauthResponse } from '../../app/engine/api.js';
import { attributeNumber } from '../../app/engine/wire/attributes.js';
import { Secret } from '../../app/shared/secret.js';
import { XauthAttr, XauthStatus, XauthType } from '../../app/shared/xauth-fields.js';
import {
  FAKE_PASSWORD,
  FAKE_PSK,
  FAKE_USER,
  type EngineCaseResult,
  runEngineCase,
} from './support/engine-case.js';
import { type XauthRound, passwordRound } from './support/gateway-script.js';

/** A user who answers each round from `answers` (by round number) and notes each question. */
function scriptedUser(answers: Record<number, XauthResponse>) {
  const asked: XauthRequest[] = [];
  const credentials: CredentialProvider = {
    groupPsk: async () => Secret.fromString(FAKE_PSK),
    xauth: async (request) => {
      asked.push(request);
      return answers[request.round] ?? {};
    },
  };
  return { asked, credentials };
}

const firstRound = { username: FAKE_USER, password: Secret.fromString(FAKE_PASSWORD) };

async function play(
  rounds: XauthRound[],
  answers: Record<number, XauthResponse>,
): Promise<EngineCaseResult & { asked: XauthRequest[] }> {
  const user = scriptedUser(answers);
  const result = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    responder: { xauthRounds: rounds },
    credentials: user.credentials,
  });
  assert.deepEqual(result.violations, []);
  return { ...result, asked: user.asked };
}

test('two rounds: password, then the next token code the gateway asks for by message', async () => {
  const { outcome, asked, gateway, events } = await play(
    [
      passwordRound(FAKE_USER, FAKE_PASSWORD),
      {
        ask: ['passcode'],
        xauthType: XauthType.Otp,
        message: 'Wait for the token code to change, then enter the new code',
        expect: { passcode: '271828' },
      },
    ],
    { 1: firstRound, 2: { passcode: Secret.fromString('271828') } },
  );
  assert.equal(outcome, 'connected');
  assert.deepEqual(
    asked.map((r) => [r.round, r.xauthType, r.fields, r.message]),
    [
      [1, 'generic', ['username', 'password'], undefined],
      [2, 'otp', ['passcode'], 'Wait for the token code to change, then enter the new code'],
    ],
  );
  const responder = gateway.responder;
  assert.ok(responder);
  assert.deepEqual(responder.xauthAnswers, [
    { username: FAKE_USER, password: FAKE_PASSWORD },
    { passcode: '271828' },
  ]);
  assert.equal(responder.xauthAccepted, true);
  assert.ok(
    events.some(
      (e) =>
        e.type === 'log' && e.message === 'the gateway accepted the answers of all 2 XAuth rounds',
    ),
    'the log does not call a passcode a password',
  );
  // 6.2: the ACK carries the XAUTH_STATUS it acknowledges
  const status = responder.xauthStatusAck?.find((a) => a.type === XauthAttr.Status);
  assert.ok(status, 'the final CFG_SET was acknowledged with its XAUTH_STATUS');
  assert.equal(attributeNumber(status), XauthStatus.Ok);
});

test('new PIN: the gateway asks for a new PIN, then a passcode made with it', async () => {
  const { outcome, asked, gateway } = await play(
    [
      { ask: ['username', 'passcode'], expect: { username: FAKE_USER, passcode: '0000271828' } },
      { ask: ['next-pin'], message: 'Enter a new PIN of 4 to 8 digits' },
      { ask: ['passcode'], message: 'Enter PIN and next code', expect: { passcode: '4711314159' } },
    ],
    {
      1: { username: FAKE_USER, passcode: Secret.fromString('0000271828') },
      2: { nextPin: Secret.fromString('4711') },
      3: { passcode: Secret.fromString('4711314159') },
    },
  );
  assert.equal(outcome, 'connected');
  assert.deepEqual(
    asked.map((r) => r.fields),
    [['username', 'passcode'], ['next-pin'], ['passcode']],
  );
  assert.equal(asked[1]?.message, 'Enter a new PIN of 4 to 8 digits');
  assert.deepEqual(gateway.responder?.xauthAnswers[1], { 'next-pin': '4711' });
});

test('a round that asks nothing shows the gateway message and is acknowledged', async () => {
  const { outcome, asked, gateway } = await play(
    [
      passwordRound(FAKE_USER, FAKE_PASSWORD),
      { ask: [], message: 'Your password expires in 3 days' },
    ],
    { 1: firstRound },
  );
  assert.equal(outcome, 'connected');
  assert.deepEqual(asked[1]?.fields, []);
  assert.equal(asked[1]?.message, 'Your password expires in 3 days');
  assert.deepEqual(gateway.responder?.xauthAnswers, [
    { username: FAKE_USER, password: FAKE_PASSWORD },
    {},
  ]);
});

test('a wrong answer in the second round ends as xauth-rejected, asked no further', async () => {
  const { outcome, asked, events, gateway } = await play(
    [
      passwordRound(FAKE_USER, FAKE_PASSWORD),
      { ask: ['passcode'], expect: { passcode: '271828' } },
      { ask: ['passcode'], expect: { passcode: '314159' } },
    ],
    { 1: firstRound, 2: { passcode: Secret.fromString('999999') } },
  );
  assert.equal(outcome, 'xauth-rejected');
  assert.equal(asked.length, 2, 'the third round never came');
  assert.equal(gateway.responder?.xauthAccepted, false);
  const status = gateway.responder?.xauthStatusAck?.find((a) => a.type === XauthAttr.Status);
  assert.ok(status, 'the FAIL status was acknowledged too');
  assert.equal(attributeNumber(status), XauthStatus.Fail);
  const error = events.find((e) => e.type === 'error');
  assert.equal(error?.type === 'error' && error.failedAt, 'xauth');
});

test('a round the user leaves unanswered ends as credentials-missing, naming the field', async () => {
  const { outcome, events } = await play(
    [passwordRound(FAKE_USER, FAKE_PASSWORD), { ask: ['passcode'] }],
    { 1: firstRound },
  );
  assert.equal(outcome, 'credentials-missing');
  const error = events.find((e) => e.type === 'error');
  assert.match(error?.type === 'error' ? error.message : '', /passcode/);
});

test("the gateway's message reaches the log, quoted and escaped, also in a round nobody is asked", async () => {
  // strongSwan's eap-radius XAuth sends its message with the first round too, which a saved
  // password answers without a prompt: the log is then the only place the user can see it
  const message = 'Password expires in 3 days\n\u001b[31mchange it';
  const { outcome, events } = await play(
    [{ ...passwordRound(FAKE_USER, FAKE_PASSWORD), message }],
    { 1: firstRound },
  );
  assert.equal(outcome, 'connected');
  const asked = events.filter(
    (e) => e.type === 'log' && e.phase === 'xauth' && e.message.startsWith('the gateway asks'),
  );
  assert.deepEqual(
    asked.map((e) => e.type === 'log' && e.message),
    [
      'the gateway asks for username, password; it says "Password expires in 3 days\\n\\u001b[31mchange it"',
    ],
  );
});
