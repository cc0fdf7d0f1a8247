// Another user on the same machine (run as `nobody` through setpriv) cannot touch a tunnel it
// does not own, nor use a helper reserved for one uid; each refusal is logged and the helper
// keeps serving everyone else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientFrameSchema,
  HELPER_PROTOCOL_VERSION,
  encodeFrame,
} from '../../app/shared/helper-protocol.js';
import { runTs } from './support/child.js';
import { SA, freshSa } from './support/fixtures.js';
import { startTestHelper } from './support/helper-harness.js';

const NOBODY = 65534;
const GATEWAY = '198.51.100.1';
const v = HELPER_PROTOCOL_VERSION;

/** Sends messages as `nobody` with the raw client and returns the helper's answers. */
async function asNobody(
  socketPath: string,
  messages: unknown[],
): Promise<Record<string, unknown>[]> {
  const run = runTs('./raw-client-cli.ts', [socketPath, JSON.stringify(messages)], { uid: NOBODY });
  const { code } = await run.exited;
  assert.equal(code, 0, run.stderr.join('\n'));
  return run.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a request from another uid for a tunnel it does not own is refused and logged', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const { channel: rootChannel, fake: rootFake } = await lab.openChannel();

  const answers = await asNobody(lab.socketPath, [
    JSON.parse(
      encodeFrame(ClientFrameSchema, { v, id: 1, method: 'installSa', tunnel: 1, sa: SA }),
    ),
    { v, id: 2, method: 'close', tunnel: 1 },
    { v, id: 3, method: 'configureNetwork', tunnel: 99, setup: {} },
    { v, id: 4, method: 'openIke', options: { gateway: GATEWAY } },
  ]);
  assert.deepEqual(answers[0], {
    v,
    type: 'error',
    id: 1,
    code: 'forbidden',
    message: 'tunnel 1 belongs to uid 0 on another connection',
  });
  assert.equal(answers[1]?.code, 'forbidden');
  assert.equal(answers[2]?.code, 'malformed');
  // nobody may still run a tunnel of its own: the helper keeps serving
  assert.equal(answers[3]?.type, 'opened');
  assert.equal(answers[3]?.tunnel, 2);

  await lab.waitForLog(/refused installSa from uid 65534 \(pid \d+\): tunnel 1 belongs to uid 0/);
  await lab.waitForLog(/refused close from uid 65534 \(pid \d+\): tunnel 1 belongs to uid 0/);
  assert.deepEqual(rootFake.installed, [], 'the foreign SA never reached the data plane');
  assert.equal(rootFake.closeCalls, 0, 'the foreign close did not close the owner tunnel');
  // nobody's own tunnel went away with its connection
  await (
    await lab.dataPlane.channel(1)
  ).closed;

  await rootChannel.installSa(freshSa());
  assert.deepEqual(rootFake.installed, [SA]);
  await rootChannel.close();
});

test('a helper reserved for one uid refuses other users at connect, with a logged reason', async (t) => {
  const lab = await startTestHelper({ access: { uids: [4242] } });
  t.after(() => lab.stop());
  const answers = await asNobody(lab.socketPath, [
    { v, id: 1, method: 'openIke', options: { gateway: GATEWAY } },
  ]);
  assert.deepEqual(answers, [
    {
      v,
      type: 'error',
      id: null,
      code: 'forbidden',
      message:
        'uid 65534 may not use the Roadwarrior helper: only root and uid 4242 may open tunnels',
    },
  ]);
  await lab.waitForLog(/refused connection from uid 65534 \(pid \d+\): .*only root and uid 4242/);
  assert.equal(lab.dataPlane.channels.length, 0);
  // root is served as before
  const { channel } = await lab.openChannel();
  await channel.close();
});
