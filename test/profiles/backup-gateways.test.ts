// Backup gateways: tried in order while the one tried does not answer; a gateway that answers
// and refuses ends it; the caller sees one connection, with one line per gateway skipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConnectOptions, EngineError, type VpnConnection } from '../../app/engine/index.js';
import { withBackupGateways } from '../../app/profiles/backup-gateways.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { ProfileSchema } from '../../app/shared/profile.js';

type Behaviour =
  | 'silent'
  | 'unresolvable'
  | 'refuses'
  | 'connects'
  | 'connects-then-diagnoses'
  | 'diagnosed-while-retrying';

/** The diagnosis the engine raises about a gateway that does not answer, while it retries. */
const NO_ANSWER_DIAGNOSIS: EngineEvent = {
  type: 'diagnosis',
  at: 1,
  code: 'no-answer',
  cause: 'the gateway does not answer',
  evidence: [],
  next: 'check the address',
  phase: 'phase1',
  cleared: false,
};

/** A connection that plays one gateway's behaviour, emitting what the engine would; a
 * 'diagnosed-while-retrying' gateway gives up only once `giveUp` resolves. */
function fakeConnect(
  behaviours: Record<string, Behaviour>,
  tried: string[],
  giveUp: Promise<void> = Promise.resolve(),
) {
  return (options: ConnectOptions): VpnConnection => {
    const gateway = options.profile.gateway;
    tried.push(gateway);
    const listeners: ((event: EngineEvent) => void)[] = [];
    const emit = (event: EngineEvent) => listeners.forEach((l) => l(event));
    let closedWith!: (error: EngineError | undefined) => void;
    const closed = new Promise<EngineError | undefined>((resolve) => (closedWith = resolve));
    let connectedWith!: { resolve: () => void; reject: (e: unknown) => void };
    const connected = new Promise<void>((resolve, reject) => (connectedWith = { resolve, reject }));
    connected.catch(() => undefined);
    const fail = (
      code: 'gateway-unreachable' | 'gateway-resolve-failed' | 'group-psk-rejected',
    ) => {
      const error = new EngineError(code, `${code} at ${gateway}`);
      emit({
        type: 'error',
        at: 1,
        code,
        message: error.message,
        failedAt: 'am1-sent',
        fatal: true,
      });
      emit({ type: 'state', at: 2, state: 'failed', previous: 'am1-sent', gateway });
      connectedWith.reject(error);
      closedWith(error);
    };
    setImmediate(() => {
      emit({ type: 'state', at: 0, state: 'am1-sent', previous: 'idle', gateway });
      const behaviour = behaviours[gateway];
      if (behaviour === 'silent') fail('gateway-unreachable');
      else if (behaviour === 'diagnosed-while-retrying') {
        emit(NO_ANSWER_DIAGNOSIS);
        void giveUp.then(() => fail('gateway-unreachable'));
      } else if (behaviour === 'unresolvable') fail('gateway-resolve-failed');
      else if (behaviour === 'refuses') fail('group-psk-rejected');
      else {
        emit({ type: 'state', at: 3, state: 'connected', previous: 'am1-sent', gateway });
        connectedWith.resolve();
        if (behaviour === 'connects-then-diagnoses')
          emit({
            type: 'diagnosis',
            at: 4,
            code: 'esp-blocked',
            cause: 'ESP is dropped on the path',
            evidence: [],
            next: 'try another network',
            phase: 'dataplane',
            cleared: false,
          });
      }
    });
    return {
      state: 'idle',
      onEvent: (listener) => {
        listeners.push(listener);
        return () => undefined;
      },
      connected,
      closed,
      disconnect: async () => closedWith(undefined),
    };
  };
}

function start(gateways: string[], behaviours: Record<string, Behaviour>, giveUp?: Promise<void>) {
  const tried: string[] = [];
  const profile = ProfileSchema.parse({
    name: 'HQ',
    gateway: gateways[0],
    backupGateways: gateways.slice(1),
    group: 'g',
  });
  const connection = withBackupGateways(fakeConnect(behaviours, tried, giveUp))({
    profile,
    credentials: {
      groupPsk: () => Promise.reject(new Error('unused')),
      xauth: () => Promise.reject(new Error('unused')),
    },
    dataPlane: { openIke: () => Promise.reject(new Error('unused')) },
  });
  const events: EngineEvent[] = [];
  connection.onEvent((event) => events.push(event));
  return { connection, events, tried };
}

test('the first gateway silent, the second unresolvable, the third connects', async () => {
  const { connection, events, tried } = start(['a.example', 'b.example', 'c.example'], {
    'a.example': 'silent',
    'b.example': 'unresolvable',
    'c.example': 'connects',
  });
  await connection.connected;
  assert.deepEqual(tried, ['a.example', 'b.example', 'c.example']);
  assert.deepEqual(
    events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.message : '')),
    [
      'a.example does not answer (gateway-unreachable at a.example): trying the backup gateway b.example',
      'b.example does not answer (gateway-resolve-failed at b.example): trying the backup gateway c.example',
    ],
  );
  assert.ok(!events.some((e) => e.type === 'error'), 'no failure reached the caller');
  assert.ok(!events.some((e) => e.type === 'state' && e.state === 'failed'));
  assert.ok(
    events.some((e) => e.type === 'state' && e.state === 'connected' && e.gateway === 'c.example'),
  );
  await connection.disconnect();
  assert.equal(await connection.closed, undefined);
});

test('a gateway that answers and refuses is the answer: no backup tried', async () => {
  const { connection, events, tried } = start(['a.example', 'b.example'], {
    'a.example': 'refuses',
    'b.example': 'connects',
  });
  const failure = await connection.closed;
  assert.equal(failure?.code, 'group-psk-rejected');
  await assert.rejects(connection.connected, /group-psk-rejected/);
  assert.deepEqual(tried, ['a.example']);
  assert.deepEqual(
    events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.code : '')),
    ['group-psk-rejected'],
    'the verdict reaches the caller once',
  );
});

test("every gateway silent: the last one's failure is the connection's", async () => {
  const { connection, events, tried } = start(['a.example', 'b.example'], {
    'a.example': 'silent',
    'b.example': 'silent',
  });
  const failure = await connection.closed;
  assert.equal(failure?.message, 'gateway-unreachable at b.example');
  assert.deepEqual(tried, ['a.example', 'b.example']);
  assert.equal(events.filter((e) => e.type === 'error').length, 1);
});

test('once connected, a diagnosis reaches the caller while the tunnel is up, not at its end', async () => {
  const { connection, events } = start(['a.example', 'b.example'], {
    'a.example': 'connects-then-diagnoses',
  });
  await connection.connected;
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(
    events.some((e) => e.type === 'diagnosis' && e.code === 'esp-blocked'),
    'the diagnosis was passed on before the connection closed',
  );
  await connection.disconnect();
});

test('the last gateway still retrying: its diagnosis reaches the caller at once; a backup hides it', async () => {
  let giveUp!: () => void;
  const retrying = new Promise<void>((resolve) => (giveUp = resolve));
  const only = start(['a.example'], { 'a.example': 'diagnosed-while-retrying' }, retrying);
  const backed = start(
    ['a.example', 'b.example'],
    {
      'a.example': 'diagnosed-while-retrying',
      'b.example': 'connects',
    },
    retrying,
  );
  await new Promise((resolve) => setImmediate(resolve));
  const noAnswer = (events: EngineEvent[]) =>
    events.some((e) => e.type === 'diagnosis' && e.code === 'no-answer');
  assert.ok(noAnswer(only.events), 'shown while the only gateway is still tried');
  assert.ok(!noAnswer(backed.events), 'held while a backup may still answer');
  giveUp();
  await assert.rejects(only.connection.connected, /gateway-unreachable/);
  await backed.connection.connected;
  assert.ok(!noAnswer(backed.events), "the skipped gateway's diagnosis is never shown");
  await backed.connection.disconnect();
});
