// Diagnosis against the real strongSwan head-end (issue 14): each fault is produced for real on
// the wire (nftables in the lab's NAT namespace, a gateway config, a killed charon) and the CLI's
// --json stream must carry the right diagnosis code within its budget. Budgets are checked on
// the events' timestamps (epoch ms from the engine's clock) against the fault's start, scaled
// by the profile's DPD settings; the retransmissions are the CLI's defaults (unscaled budgets).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type TimingSettings,
  deadPeerBudgetMs,
  espBlockedBudgetMs,
  icmpBudgetMs,
  noAnswerBudgetMs,
} from '../../app/engine/diagnosis/budgets.js';
import { DEFAULT_RETRANSMIT } from '../../app/engine/messenger.js';
import type {
  CountersEvent,
  DiagnosisCode,
  DiagnosisEvent,
  EngineEvent,
} from '../../app/shared/events.js';
import { DPD_DEFAULTS } from '../../app/shared/profile.js';
import { ESP_BLOCKED_RULES, nftFault } from '../lab/faults.js';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../lab/index.js';
import { CLI_ENTRY, type CliRun } from '../support/cli-process.js';
import {
  type ClientFiles,
  clientFiles,
  connectCli,
  interopSkipReason,
  isConnected,
  reportSkippedSuite,
} from '../support/interop.js';

const skip = interopSkipReason();
reportSkippedSuite('diagnosis against the strongSwan lab', skip);

/** short DPD so the connected-state faults show quickly; budgets scale with it */
const DPD = { dpdDelaySeconds: 3, dpdRetries: 2 };
const SETTINGS: TimingSettings = {
  retransmit: DEFAULT_RETRANSMIT,
  dpd: { delaySeconds: DPD.dpdDelaySeconds, retries: DPD.dpdRetries },
};
const PASSWORD = 'alice-secret';

const now = () => performance.timeOrigin + performance.now();
const isDiagnosis = (e: EngineEvent): e is DiagnosisEvent => e.type === 'diagnosis';
const raised = (e: EngineEvent): e is DiagnosisEvent => isDiagnosis(e) && !e.cleared;
const diagnoses = (events: EngineEvent[]) => events.filter(isDiagnosis);
const stateAt = (events: EngineEvent[], state: string) =>
  events.find((e) => e.type === 'state' && e.state === state)?.at;

/** Runs a CLI until `done`, then stops it (SIGTERM) unless it ended; returns its events. */
async function runUntil(
  cli: CliRun,
  done: (e: EngineEvent) => boolean,
  what: string,
  limitMs = 60_000,
): Promise<EngineEvent[]> {
  try {
    await cli.waitFor(done, limitMs, what);
  } finally {
    await cli.stop();
  }
  return cli.events;
}

/** The failed connect's diagnosis: the last one raised, before the error event. */
function failureDiagnosis(events: EngineEvent[]): DiagnosisEvent {
  const last = events.filter(raised).at(-1);
  assert.ok(last, `a diagnosis (events: ${events.map((e) => e.type).join(' ')})`);
  return last;
}

describe('diagnosis of real faults', { skip: skip !== undefined }, () => {
  let lab: Lab;
  let files: ClientFiles;
  const extra: ClientFiles[] = [];
  const filesWith = (
    profile: Record<string, unknown>,
    { psk = LAB_DEFAULTS.groupPsk, password = PASSWORD } = {},
  ) => {
    const made = clientFiles({ ...DPD, ...profile }, psk, password);
    extra.push(made);
    return made;
  };

  before(async () => {
    lab = await startLab();
    files = clientFiles(DPD, LAB_DEFAULTS.groupPsk, PASSWORD);
  });
  after(async () => {
    files?.remove();
    for (const made of extra) made.remove();
    await lab?.stop();
  });

  test('UDP 500 dropped: no-answer within the budget, while the client still retransmits', async (t) => {
    const lift = await nftFault(lab, ['udp dport 500 drop']);
    try {
      const events = await runUntil(connectCli(lab, files), raised, 'a diagnosis');
      const diagnosis = failureDiagnosis(events);
      assert.equal(diagnosis.code, 'no-answer');
      const failed = events.find((e) => e.type === 'error' && e.code !== 'cancelled');
      assert.equal(failed, undefined, 'said before the retries ran out');
      const delay = diagnosis.at - (stateAt(events, 'am1-sent') as number);
      assert.ok(delay <= noAnswerBudgetMs(SETTINGS), `${delay} ms`);
      t.diagnostic(
        `${diagnosis.code} after ${Math.round(delay)} ms (budget ${noAnswerBudgetMs(SETTINGS)} ms)`,
      );
    } finally {
      await lift();
    }
  });

  test('UDP 500 rejected with ICMP port unreachable: icmp-unreachable within the budget', async (t) => {
    const lift = await nftFault(lab, ['udp dport 500 reject with icmp type port-unreachable']);
    try {
      const events = await runUntil(connectCli(lab, files), raised, 'a diagnosis');
      const diagnosis = failureDiagnosis(events);
      assert.equal(diagnosis.code, 'icmp-unreachable');
      const delay = diagnosis.at - (stateAt(events, 'am1-sent') as number);
      assert.ok(delay <= icmpBudgetMs(SETTINGS), `${delay} ms`);
      t.diagnostic(
        `${diagnosis.code} after ${Math.round(delay)} ms (budget ${icmpBudgetMs(SETTINGS)} ms)`,
      );
    } finally {
      await lift();
    }
  });

  const failures: { name: string; code: DiagnosisCode; files: () => ClientFiles }[] = [
    {
      name: 'a wrong group key',
      code: 'group-psk-wrong',
      files: () => filesWith({}, { psk: 'wrong-key' }),
    },
    {
      name: 'a wrong password',
      code: 'xauth-rejected',
      files: () => filesWith({}, { password: 'wrong-password' }),
    },
    {
      name: 'an unknown group',
      code: 'unknown-group',
      files: () => filesWith({ group: 'nogroup' }),
    },
  ];
  for (const failure of failures)
    test(`${failure.name}: ${failure.code}`, async () => {
      const cli = connectCli(lab, failure.files());
      const exit = await cli.exit;
      assert.equal(exit.code, 1);
      assert.equal(failureDiagnosis(cli.events).code, failure.code);
    });

  test('UDP 4500 dropped after the float (500 still answers): udp-4500-blocked', async () => {
    const lift = await nftFault(lab, ['udp dport 4500 drop']);
    try {
      const cli = connectCli(lab, files);
      await cli.exit;
      const diagnosis = failureDiagnosis(cli.events);
      assert.equal(diagnosis.code, 'udp-4500-blocked');
      assert.match(diagnosis.evidence.join('\n'), /answered \d+ time\(s\) on UDP 500/);
    } finally {
      await lift();
    }
  });

  test('ESP-in-UDP data dropped (IKE with its non-ESP marker passes): esp-blocked while connected, cleared when it flows again', async (t) => {
    const cli = connectCli(lab, files);
    const ping = lab.spawnInClient('ping', ['-i', '0.2', LAB_ADDRESSES.lanHost], {
      stdio: 'ignore',
    });
    let lift: (() => Promise<void>) | undefined;
    try {
      await cli.waitFor(isConnected, 15_000, 'connected');
      await cli.waitFor(
        (e) => e.type === 'counters' && e.total.packetsIn > 0,
        15_000,
        'ESP decrypted',
      );
      const faultAt = now();
      lift = await nftFault(lab, ESP_BLOCKED_RULES);
      const diagnosis = (await cli.waitFor(raised, 30_000, 'esp-blocked')) as DiagnosisEvent;
      assert.equal(diagnosis.code, 'esp-blocked');
      assert.equal(diagnosis.phase, 'dataplane');
      const delay = diagnosis.at - faultAt;
      assert.ok(delay <= espBlockedBudgetMs(SETTINGS), `${delay} ms`);
      t.diagnostic(
        `${diagnosis.code} after ${Math.round(delay)} ms (budget ${espBlockedBudgetMs(SETTINGS)} ms)`,
      );
      const state = cli.events.filter((e) => e.type === 'state').at(-1);
      assert.equal(state?.type === 'state' && state.state, 'connected', 'raised while connected');
      // roadwarrior status shows the live tunnel as a head-end would, diagnosis included
      const status = (await lab.execInClient(process.execPath, [CLI_ENTRY, 'status'])).stdout;
      const sa = cli.events.find((e) => e.type === 'sa' && e.kind === 'ipsec');
      assert.ok(sa?.type === 'sa' && sa.kind === 'ipsec');
      assert.match(status, new RegExp(`spi in 0x${sa.spiIn} out 0x${sa.spiOut}`));
      assert.match(status, /#pkts encaps: \d+, #pkts decaps: \d+/);
      assert.match(status, /diagnosis \(esp-blocked\)/);
      await lift();
      lift = undefined;
      await cli.waitFor((e) => isDiagnosis(e) && e.cleared, 30_000, 'the diagnosis cleared');
    } finally {
      ping.kill();
      await lift?.();
      await cli.stop();
    }
    assert.ok(!cli.events.some((e) => e.type === 'error' && e.code !== 'cancelled'));
  });

  // tc netem would do, but this kernel has no sch_netem: nftables drops one packet in five
  test('20% loss toward the gateway: the connection completes, no diagnosis', async () => {
    // every fifth packet, not a random fifth: random loss drops our aggressive mode message 3
    // three times running in about 1 run in 125, and strongSwan's third repeat of message 2
    // (24 s) comes after our 15 s wait for XAuth: a failure of the dice, not of the client
    const lift = await nftFault(lab, [
      `oifname "${lab.interfaces.natOutside}" numgen inc mod 5 0 drop`,
    ]);
    try {
      const events = await runUntil(connectCli(lab, files), isConnected, 'connected');
      assert.deepEqual(diagnoses(events), []);
    } finally {
      await lift();
    }
  });

  test('a gateway whose phase 2 proposals exclude ours: phase2-refused, named as phase 2', async () => {
    await lab.reloadConfig({ espProposals: ['aes128-sha1'] });
    try {
      const cli = connectCli(lab, filesWith({ espProposals: ['aes256-sha256'], pfs: 'off' }));
      await cli.exit;
      const diagnosis = failureDiagnosis(cli.events);
      assert.equal(diagnosis.code, 'phase2-refused');
      assert.match(diagnosis.evidence.join('\n'), /we offered \(phase 2, ESP\): aes256-sha256/);
      const error = cli.events.find((e) => e.type === 'error');
      assert.ok(error?.type === 'error' && error.code === 'phase2-rejected', 'not phase 1');
    } finally {
      await lab.reloadConfig({});
    }
  });

  test('a gateway without an address pool: no-address in the Mode Config step', async () => {
    await lab.reloadConfig({ addressPool: false });
    try {
      const cli = connectCli(lab, files);
      await cli.exit;
      const diagnosis = failureDiagnosis(cli.events);
      assert.equal(diagnosis.code, 'no-address');
      assert.equal(diagnosis.phase, 'modecfg');
      assert.ok(
        !cli.events.some((e) => e.type === 'state' && e.state === 'connected'),
        'never connected without an address',
      );
    } finally {
      await lab.reloadConfig({});
    }
  });

  test('an idle tunnel with the default DPD settings, the gateway killed: peer-dead within 35 s', async (t) => {
    const defaults = clientFiles({}, LAB_DEFAULTS.groupPsk, PASSWORD);
    extra.push(defaults);
    const cli = connectCli(lab, defaults);
    try {
      await cli.waitFor(isConnected, 15_000, 'connected');
      const killedAt = now();
      await lab.killGateway();
      await cli.exit;
      const diagnosis = failureDiagnosis(cli.events);
      assert.equal(diagnosis.code, 'peer-dead');
      const budget = deadPeerBudgetMs({ ...SETTINGS, dpd: DPD_DEFAULTS }, 'idle');
      assert.equal(budget, 35_000, "the issue's budget, unscaled");
      const delay = diagnosis.at - killedAt;
      assert.ok(delay <= budget, `${delay} ms`);
      t.diagnostic(`${diagnosis.code} after ${Math.round(delay)} ms (budget ${budget} ms)`);
    } finally {
      await cli.stop();
      await lab.restartGateway();
    }
  });

  // last: it kills the gateway
  test('the gateway killed while traffic flows: peer-dead within the scaled DPD budget', async (t) => {
    const cli = connectCli(lab, files);
    const ping = lab.spawnInClient('ping', ['-i', '0.2', LAB_ADDRESSES.lanHost], {
      stdio: 'ignore',
    });
    try {
      await cli.waitFor(isConnected, 15_000, 'connected');
      await cli.waitFor(
        (e): e is CountersEvent => e.type === 'counters' && e.total.packetsIn > 0,
        15_000,
        'ESP decrypted',
      );
      const killedAt = now();
      await lab.killGateway();
      await cli.exit;
      const diagnosis = failureDiagnosis(cli.events);
      assert.equal(diagnosis.code, 'peer-dead');
      const delay = diagnosis.at - killedAt;
      assert.ok(delay <= deadPeerBudgetMs(SETTINGS), `${delay} ms`);
      t.diagnostic(
        `${diagnosis.code} after ${Math.round(delay)} ms (budget ${deadPeerBudgetMs(SETTINGS)} ms)`,
      );
    } finally {
      ping.kill();
      await cli.stop();
    }
  });
});
