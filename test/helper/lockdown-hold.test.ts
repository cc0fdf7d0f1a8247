// A client's lockdown hold through the helper: taken on its own connection, released on
// request, and released by the helper itself when that connection goes away for good (the app
// quit or was killed), so no lockdown outlives the session that held it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHelperDataPlane } from '../../app/helper/client.js';
import { HelperConnection } from '../../app/helper/client-connection.js';
import type { DataPlanePort } from '../../app/shared/dataplane-port.js';
import { startTestHelper } from './support/helper-harness.js';

async function helperWithHolds() {
  const testHelper = await startTestHelper();
  const story: string[] = [];
  const holdLockdown: DataPlanePort['holdLockdown'] = async (tunName) => {
    story.push(`hold ${tunName}`);
    return { release: async () => void story.push(`release ${tunName}`) };
  };
  Object.assign(testHelper.dataPlane, { holdLockdown });
  return { testHelper, story };
}

test('a hold taken through the helper is released on request, once', async () => {
  const { testHelper, story } = await helperWithHolds();
  try {
    const port = createHelperDataPlane({ socketPath: testHelper.socketPath });
    const hold = await port.holdLockdown!('rw0');
    assert.deepEqual(story, ['hold rw0']);
    await hold.release();
    await hold.release();
    assert.deepEqual(story, ['hold rw0', 'release rw0']);
  } finally {
    await testHelper.stop();
  }
});

test('the helper releases a hold when its client goes away without releasing it', async () => {
  const { testHelper, story } = await helperWithHolds();
  try {
    const connection = await HelperConnection.connect(testHelper.socketPath, 5000);
    await connection.request({ method: 'holdLockdown', tunName: 'rw0' }, 'done');
    assert.deepEqual(story, ['hold rw0']);
    connection.end(); // the app is gone
    await testHelper.waitForLog(/disconnected/);
    for (let polls = 0; polls < 100 && story.length < 2; polls++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(story, ['hold rw0', 'release rw0']);
  } finally {
    await testHelper.stop();
  }
});

test('a tunnel name the helper would not accept is refused before any hold', async () => {
  const { testHelper, story } = await helperWithHolds();
  try {
    const port = createHelperDataPlane({ socketPath: testHelper.socketPath });
    await assert.rejects(port.holdLockdown!('rw0; flush ruleset'), /malformed|lowercase/);
    assert.deepEqual(story, []);
  } finally {
    await testHelper.stop();
  }
});
