// One state-fuzz scenario: which proposals the connection uses, how slow the data plane is
// (so forged messages can arrive while the engine awaits it) and what the gateway gets wrong.
// Shared by test/engine/state-fuzz.test.ts and scripts/fuzz-engine.ts.
import fc from 'fast-check';
import { type EngineCaseResult, runEngineCase } from './engine-case.js';
import { type StepMutation, gatewayTamper, stepMutationsArbitrary } from './gateway-mutations.js';

export interface EngineFuzzScenario {
  ikeProposal: string;
  espProposal: string;
  dataPlaneTurns: number;
  /** the gateway asks for PFS (Unity PFS attribute): Quick Mode carries KE */
  pfs: boolean;
  mutations: StepMutation[];
}

/** ECP groups keep a run fast (setting up one of node's MODP groups costs tens of ms; the
 * happy-path tests cover MODP); AES and 3DES in phase 1 (16- and 8-byte IV chains), one
 * CBC+HMAC and one GCM suite for ESP. installSa and configureNetwork take up to 3 event-loop
 * turns, so a gateway message can land while the engine awaits them. */
export const engineFuzzScenario: fc.Arbitrary<EngineFuzzScenario> = fc.record({
  ikeProposal: fc.constantFrom('aes128-sha1-ecp256', '3des-md5-ecp256', 'aes256-sha256-ecp384'),
  espProposal: fc.constantFrom('aes128-sha1', 'aes256gcm16'),
  dataPlaneTurns: fc.integer({ min: 0, max: 3 }),
  pfs: fc.boolean(),
  mutations: stepMutationsArbitrary,
});

export function runScenario(scenario: EngineFuzzScenario): Promise<EngineCaseResult> {
  return runEngineCase({
    ikeProposal: scenario.ikeProposal,
    espProposal: scenario.espProposal,
    responder: {
      dataPlaneTurns: scenario.dataPlaneTurns,
      pfs: scenario.pfs,
      tamper: gatewayTamper(scenario.mutations),
    },
  });
}
