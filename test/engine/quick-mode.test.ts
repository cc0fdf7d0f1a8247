// Our Quick Mode (RFC 2409 5.5) against a gateway that requires PFS and does not say so in
// Mode Config (no Unity PFS attribute): with pfs: auto the engine learns it from the refusal,
// offers PFS on the phase 1 group once more, and keeps it for the session's rekeys; with PFS
// off the refusal ends the connection, named as phase 2.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import type { EngineEvent, IpsecSaEvent } from '../../app/shared/events.js';
import type { ProfileInput } from '../../app/shared/profile.js';
import {
  DOI_IPSEC,
  ExchangeType,
  NotifyType,
  PayloadType,
  ProtocolId,
} from '../../app/engine/wire/constants.js';
import type { OutgoingPayload } from '../../app/engine/wire/payloads.js';
import { type AfterConnectPhase, runEngineCase } from './support/engine-case.js';
import type { ResponderTools, Tamper } from './support/fake-responder.js';

/** The phase 1 group of these cases (ecp256), which pfs: auto offers after the refusal. */
const PHASE1_GROUP = 19;

/** The gateway's refusal of our Quick Mode: a notification about ESP (RFC 2408 3.14.1). */
const espRefusal = (notifyType: number): OutgoingPayload => ({
  type: PayloadType.Notification,
  body: {
    doi: DOI_IPSEC,
    protocolId: ProtocolId.Esp,
    notifyType,
    spi: Buffer.alloc(0),
    data: Buffer.alloc(0),
  },
});

const offersPfs = (tools: ResponderTools) =>
  tools.payloads.some((p) => p.type === PayloadType.KeyExchange);

/** A gateway that refuses each Quick Mode of ours for which `refuses` holds, with `notifyType`
 * in an informational exchange of its own, as strongSwan does (its quick_mode task queues an
 * informational task for the refusal). */
function refusingGateway(
  refuses: (tools: ResponderTools) => boolean,
  notifyType: number = NotifyType.NoProposalChosen,
): { tamper: Tamper; refusals: () => number } {
  let refusals = 0;
  return {
    refusals: () => refusals,
    tamper: (step, message, tools) => {
      if ((step !== 'qm2' && step !== 'rekey-qm2') || !refuses(tools) || !tools.seal)
        return [{ packet: message }];
      refusals++;
      const messageId = randomInt(1, 0xffffffff);
      return [
        { packet: tools.seal(ExchangeType.Informational, messageId, [espRefusal(notifyType)]) },
      ];
    },
  };
}

/** A gateway whose ESP policy has a DH group: every offer without KE is refused. */
const requiringPfs = () => refusingGateway((tools) => !offersPfs(tools));

/** The connection ended with a phase 2 error, worded as one. */
function assertPhase2Error(events: EngineEvent[], wording: RegExp): void {
  const error = events.find((e) => e.type === 'error');
  assert.ok(error?.type === 'error');
  assert.equal(error.code, 'phase2-rejected');
  assert.match(error.message, wording);
  assert.doesNotMatch(error.message, /phase 1/);
}

async function connectTo(
  gateway: ReturnType<typeof requiringPfs>,
  profile: Partial<ProfileInput>,
  phases: AfterConnectPhase[] = [],
) {
  const result = await runEngineCase({
    ikeProposal: 'aes128-sha1-ecp256',
    espProposal: 'aes128-sha1',
    profile,
    responder: { tamper: gateway.tamper },
    phases,
  });
  assert.deepEqual(result.violations, []);
  return result;
}

const installedSas = (events: EngineEvent[]) =>
  events.filter(
    (e): e is IpsecSaEvent => e.type === 'sa' && e.kind === 'ipsec' && e.status === 'installed',
  );

const logLines = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.phase}: ${e.message}`] : []));

test('pfs auto, a gateway that requires PFS without saying so: one retry with the phase 1 group, kept for the rekey', async () => {
  const gateway = requiringPfs();
  const { outcome, events } = await connectTo(gateway, { pfs: 'auto' }, ['client-rekey']);
  assert.equal(outcome, 'connected');
  assert.equal(gateway.refusals(), 1, 'refused once: the rekey offered PFS from the start');
  const sas = installedSas(events);
  assert.equal(sas.length, 2, 'the first SA and its rekey');
  for (const sa of sas) assert.equal(sa.pfsGroup, PHASE1_GROUP);
  const why = logLines(events).filter((line) => /without PFS/.test(line));
  assert.equal(why.length, 1, 'the log says why, once');
  assert.match(why[0] ?? '', /^warn phase2: .*offering PFS with the phase 1 DH group 19/);
});

test('pfs off, PFS required: the refusal ends the connection, named as phase 2', async () => {
  const gateway = requiringPfs();
  const { outcome, events } = await connectTo(gateway, { pfs: 'off' });
  assert.equal(outcome, 'phase2-rejected');
  assert.equal(gateway.refusals(), 1, 'no retry: the profile said no PFS');
  assertPhase2Error(events, /ESP proposals/);
  assert.equal(installedSas(events).length, 0);
});

test('pfs auto, a gateway that refuses every offer: one retry, then phase 2 refused', async () => {
  const gateway = refusingGateway(() => true);
  const { outcome, events } = await connectTo(gateway, { pfs: 'auto' });
  assert.equal(outcome, 'phase2-rejected');
  assert.equal(gateway.refusals(), 2, 'the offer without PFS and the one with it');
  assert.equal(installedSas(events).length, 0);
});

test('INVALID-KEY-INFORMATION for our Quick Mode is a phase 2 refusal, never a phase 1 one', async () => {
  const gateway = refusingGateway(() => true, NotifyType.InvalidKeyInformation);
  const { outcome, events } = await connectTo(gateway, { pfs: 'modp2048' });
  assert.equal(outcome, 'phase2-rejected');
  assertPhase2Error(events, /PFS Diffie-Hellman/);
});
