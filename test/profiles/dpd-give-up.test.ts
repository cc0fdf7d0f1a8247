// A .pcf's PeerTimeout is the total wait on a silent gateway; the profile keeps the probe delay.
// The two must agree with the engine's DPD timing (dpdGiveUpSeconds), both ways.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DPD_DEFAULTS, dpdDelayForGiveUp, dpdGiveUpSeconds } from '../../app/shared/profile.js';
import { dpdRetryMs } from '../../app/engine/exchanges/dpd.js';

test('the defaults give up after 30 s of silence (within issue 14 budget of 35 s)', () => {
  assert.equal(dpdGiveUpSeconds(DPD_DEFAULTS.delaySeconds, DPD_DEFAULTS.retries), 30);
  assert.equal(dpdRetryMs(DPD_DEFAULTS.delaySeconds), 5_000);
});

test("Cisco's default PeerTimeout of 90 s still gives up after 90 s", () => {
  const delay = dpdDelayForGiveUp(90, DPD_DEFAULTS.retries);
  assert.equal(delay, 70);
  assert.equal(dpdGiveUpSeconds(delay, DPD_DEFAULTS.retries), 90);
});

test('every delay survives give-up time and back, short delays included', () => {
  for (const retries of [1, 4, 20])
    for (let delay = 0; delay <= 3600; delay++)
      assert.equal(dpdDelayForGiveUp(dpdGiveUpSeconds(delay, retries), retries), delay);
});
