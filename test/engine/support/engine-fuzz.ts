// One state-fuzz scenario: which proposals the connection uses, how slow the data plane is
// (so forged messages can arrive while the engine awaits it), what happens once connected
// (rekeys, DELETEs) and what the gateway gets wrong.
// Shared by test/engine/state-fuzz.test.ts and scripts/fuzz-engine.ts.
import fc from 'fast-check';
import {
  AFTER_CONNECT_PHASES,
  type AfterConnectPhase,
  type EngineCaseResult,
  runEngineCase,
} from './engine-case.js';
import { AFTER_CONNECT_STEPS, HANDSHAKE_STEPS, MAIN_MODE_STEPS } from './fake-responder.js';
import { type StepMutation, gatewayTamper, stepMutationsAt } from './gateway-mutations.js';

export interface EngineFuzzScenario {
  /** phase 1 in aggressive (default) or main mode; a mutation of the other's steps does nothing */
  exchange?: 'aggressive' | 'main';
  ikeProposal: string;
  espProposal: string;
  dataPlaneTurns: number;
  /** the gateway asks for PFS (Unity PFS attribute): Quick Mode carries KE */
  pfs: boolean;
  phases: AfterConnectPhase[];
  /** disconnect this many event-loop turns into the last phase, not after it */
  disconnectAfterTurns: number | undefined;
  mutations: StepMutation[];
}

/** ECP groups keep a run fast (setting up one of node's MODP groups costs tens of ms; the
 * happy-path tests cover MODP); AES and 3DES in phase 1 (16- and 8-byte IV chains), one
 * CBC+HMAC and one GCM suite for ESP. installSa and configureNetwork take up to 3 event-loop
 * turns, so a gateway message can land while the engine awaits them. */
const scenario = (
  mutations: fc.Arbitrary<StepMutation[]>,
  afterConnect: fc.Arbitrary<AfterConnectPhase[]>,
  disconnectAfterTurns: fc.Arbitrary<number | undefined> = fc.constant(undefined),
): fc.Arbitrary<EngineFuzzScenario> =>
  fc.record({
    exchange: fc.constantFrom('aggressive' as const, 'main' as const),
    ikeProposal: fc.constantFrom('aes128-sha1-ecp256', '3des-md5-ecp256', 'aes256-sha256-ecp384'),
    espProposal: fc.constantFrom('aes128-sha1', 'aes256gcm16'),
    dataPlaneTurns: fc.integer({ min: 0, max: 3 }),
    pfs: fc.boolean(),
    phases: afterConnect,
    disconnectAfterTurns,
    mutations,
  });

/** A connection up to 'connected', mutated anywhere on the way. */
export const engineFuzzScenario = scenario(
  stepMutationsAt([...HANDSHAKE_STEPS, ...MAIN_MODE_STEPS]),
  fc.constant([]),
);

/** A connection through at least one phase after 'connected', mutated only there. */
export const afterConnectFuzzScenario = scenario(
  stepMutationsAt(AFTER_CONNECT_STEPS),
  fc.array(fc.constantFrom(...AFTER_CONNECT_PHASES), { minLength: 1, maxLength: 3 }),
  fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
);

export function runScenario(scenario: EngineFuzzScenario): Promise<EngineCaseResult> {
  return runEngineCase({
    ikeProposal: scenario.ikeProposal,
    espProposal: scenario.espProposal,
    phases: scenario.phases,
    profile: { exchange: scenario.exchange },
    disconnectAfterTurns: scenario.disconnectAfterTurns,
    responder: {
      dataPlaneTurns: scenario.dataPlaneTurns,
      pfs: scenario.pfs,
      tamper: gatewayTamper(scenario.mutations),
    },
  });
}
