// The connection's task queue: one exchange of ours at a time, in the order asked for; news for
// the running one reaches it through its signal; closing cancels what runs and what waits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../app/engine/api.js';
import { type Task, type TaskName, TaskManager } from '../../app/engine/tasks/task-manager.js';

/** A task that records its start and ends when the test says so. */
function gated(name: TaskName, log: string[]) {
  let finish: (value: string) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const task: Task<string> = {
    name,
    run: () => {
      log.push(`${name} starts`);
      return new Promise<string>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
    },
  };
  return { task, finish: (value: string) => finish(value), fail: (error: unknown) => fail(error) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Two gated tasks queued on a new manager, one turn after. */
async function twoQueued(firstName: TaskName, secondName: TaskName) {
  const manager = new TaskManager();
  const log: string[] = [];
  const [a, b] = [gated(firstName, log), gated(secondName, log)];
  const first = manager.queue(a.task);
  const second = manager.queue(b.task);
  await turn();
  return { manager, log, a, b, first, second };
}

test('tasks run one at a time in the order queued; each settles as its work does', async () => {
  const {
    manager,
    log,
    a: rekey,
    b: reauth,
    first,
    second,
  } = await twoQueued('rekey', 'reauthenticate');
  assert.deepEqual(log, ['rekey starts'], 'the re-authentication waits for the rekey');
  assert.equal(manager.active, 'rekey');
  assert.equal(manager.idle, false);
  rekey.finish('rekeyed');
  assert.equal(await first, 'rekeyed');
  await turn();
  assert.deepEqual(log, ['rekey starts', 'reauthenticate starts']);
  assert.equal(manager.active, 'reauthenticate');
  reauth.finish('done');
  assert.equal(await second, 'done');
  assert.equal(manager.active, undefined);
  assert.equal(manager.idle, true, 'nothing runs or waits');
});

test('a failed task rejects its own promise only: the next one still runs', async () => {
  const { manager, a: failing, b: next, first, second } = await twoQueued('connect', 'rekey');
  failing.fail(new EngineError('phase2-rejected', 'refused'));
  await assert.rejects(first, { code: 'phase2-rejected' });
  await turn();
  assert.equal(manager.active, 'rekey');
  next.finish('ok');
  assert.equal(await second, 'ok');
});

test('interrupt hands the running exchange the news through its signal; with none running it says so', async () => {
  const manager = new TaskManager();
  const refusal = new EngineError('no-proposal-chosen', 'the gateway refused');
  assert.equal(manager.interrupt(refusal), false, 'nothing runs: the caller decides');
  const signals: AbortSignal[] = [];
  const running = manager.queue({
    name: 'connect',
    run: async () => {
      await manager.inStep('phase1', async () => undefined);
      const first = await manager.inStep('quick-mode', (signal) => {
        signals.push(signal);
        assert.equal(manager.active, 'quick-mode');
        return new Promise<string>((resolve) =>
          signal.addEventListener('abort', () => resolve(`heard: ${String(signal.reason)}`)),
        );
      });
      // a second exchange starts with a fresh signal
      const second = await manager.inStep('quick-mode', async (signal) => {
        signals.push(signal);
        return signal.aborted ? 'aborted' : 'clean';
      });
      return `${first}; ${second}`;
    },
  });
  while (manager.active !== 'quick-mode') await turn();
  assert.equal(manager.interrupt(refusal), true);
  assert.equal(await running, `heard: ${String(refusal)}; clean`);
  assert.equal(signals[0]?.reason, refusal);
  assert.equal(manager.active, undefined);
  assert.equal(manager.interrupt(refusal), false, 'the task is over');
});

test('close cancels the running task and those waiting; nothing runs or queues after it', async () => {
  const { manager, log, a: running, first, second } = await twoQueued('connect', 'rekey');
  manager.close();
  await assert.rejects(first, { code: 'cancelled' });
  await assert.rejects(second, { code: 'cancelled' });
  assert.equal(manager.closed, true);
  assert.equal(manager.idle, false, 'a closed manager is not at rest: it is over');
  assert.equal(manager.signal.aborted, true);
  assert.throws(() => manager.checkOpen(), { code: 'cancelled' });
  await assert.rejects(manager.queue(gated('rekey', log).task), { code: 'cancelled' });
  await turn();
  assert.deepEqual(log, ['connect starts'], 'the waiting task never started');
  // the cancelled task's late result goes nowhere
  running.finish('late');
  await turn();
});

test('close aborts the running exchange, so its wait ends at once', async () => {
  const manager = new TaskManager();
  let stepSignal: AbortSignal | undefined;
  const running = manager.queue({
    name: 'reauthenticate',
    run: () =>
      manager.inStep('xauth', (signal) => {
        stepSignal = signal;
        return new Promise<void>(() => undefined);
      }),
  });
  while (manager.active !== 'xauth') await turn();
  manager.close();
  await assert.rejects(running, { code: 'cancelled' });
  assert.equal(stepSignal?.aborted, true);
  await assert.rejects(
    manager.inStep('quick-mode', async () => undefined),
    { code: 'cancelled' },
    'no exchange starts once closed',
  );
});
