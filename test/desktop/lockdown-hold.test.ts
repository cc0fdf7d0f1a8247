// The lockdown belongs to the session, not to an attempt: the supervisor holds it from before
// the first attempt's first packet, keeps it through a reconnect (dead peer, resume) and lets
// it go once, when the session ends. A profile without lockdown holds nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataPlanePort } from '../../app/shared/dataplane-port.js';
import type { ServiceSnapshot } from '../../app/shared/ui/ipc-schemas.js';
import { noDataPlane } from './support/fake-engine.js';
import {
  OFFICE_PROFILE,
  type ServiceFixture,
  createServiceFixture,
  saveGatewaySecrets,
} from './support/service-fixture.js';

/** A data plane that records the hold's life, and how many attempts had started by then. */
function holdRecorder() {
  const story: string[] = [];
  const box: { fixture?: ServiceFixture } = {};
  const attempts = () => box.fixture?.gateway.connections.length ?? 0;
  const createDataPlane = (): DataPlanePort => ({
    ...noDataPlane(),
    holdLockdown: async (tunName) => {
      story.push(`hold ${tunName} after ${attempts()} attempts`);
      return {
        release: async () => {
          story.push(`release after ${attempts()} attempts`);
        },
      };
    },
  });
  return { story, box, createDataPlane };
}

const phase = (fixture: ServiceFixture, wanted: (s: ServiceSnapshot) => boolean, what: string) =>
  fixture.waitFor('snapshot', wanted, what);

test('a lockdown profile holds the lockdown across reconnects and releases it once, at disconnect', async () => {
  const recorder = holdRecorder();
  // Unity SAVE_PASSWD on: the reconnects reuse the session's password without asking
  const fixture = await createServiceFixture(
    { savePasswordAllowed: true },
    { createDataPlane: recorder.createDataPlane },
  );
  recorder.box.fixture = fixture;
  try {
    const profile = await fixture.service.saveProfile(
      { ...OFFICE_PROFILE, lockdown: true },
      'Office',
    );
    await saveGatewaySecrets(fixture.credentials);
    await fixture.service.connect('Office', 'info');
    await phase(fixture, (s) => s.phase === 'connected', 'connected');

    fixture.gateway.current?.killPeer();
    await phase(fixture, (s) => s.reconnect?.attempt === 1, 'reconnecting');
    await phase(
      fixture,
      (s) => s.phase === 'connected' && fixture.gateway.connections.length === 2,
      'connected after the dead peer',
    );
    await fixture.service.reconnectNow('resumed from sleep');
    await phase(
      fixture,
      (s) => s.phase === 'connected' && fixture.gateway.connections.length === 3,
      'connected after resume',
    );
    assert.deepEqual(recorder.story, [`hold ${profile.tunName} after 0 attempts`]);

    await fixture.service.disconnect();
    assert.deepEqual(recorder.story, [
      `hold ${profile.tunName} after 0 attempts`,
      'release after 3 attempts',
    ]);
  } finally {
    await fixture.close();
  }
});

test('a profile without lockdown holds nothing', async () => {
  const recorder = holdRecorder();
  const fixture = await createServiceFixture({}, { createDataPlane: recorder.createDataPlane });
  recorder.box.fixture = fixture;
  try {
    await saveGatewaySecrets(fixture.credentials);
    await fixture.service.connect('Office', 'info');
    await phase(fixture, (s) => s.phase === 'connected', 'connected');
    await fixture.service.disconnect();
    assert.deepEqual(recorder.story, []);
  } finally {
    await fixture.close();
  }
});
