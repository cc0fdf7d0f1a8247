// The connection as steps: phase 1 (aggressive mode messages 1-3), XAuth, Mode Config, phase 2
// (Quick Mode messages 1-3), connected. Which are done, in progress, failed or still ahead.
import type { ConnectionState, ServiceSnapshot } from '../../shared/ipc.js';

export interface Step {
  state: ConnectionState;
  label: string;
  group: 'Phase 1' | 'XAuth' | 'Mode Config' | 'Phase 2' | 'Tunnel';
  description: string;
}

export const STEPS: readonly Step[] = [
  {
    state: 'am1-sent',
    label: 'AM1',
    group: 'Phase 1',
    description: 'Proposals, key exchange and group identity sent',
  },
  {
    state: 'am2-received',
    label: 'AM2',
    group: 'Phase 1',
    description: 'Gateway chose a proposal and proved its identity',
  },
  {
    state: 'am3-sent',
    label: 'AM3',
    group: 'Phase 1',
    description: 'Our proof of the group key sent',
  },
  { state: 'xauth', label: 'XAuth', group: 'XAuth', description: 'Username and password' },
  {
    state: 'modecfg',
    label: 'Mode Config',
    group: 'Mode Config',
    description: 'Address, DNS and split networks',
  },
  { state: 'qm1-sent', label: 'QM1', group: 'Phase 2', description: 'Tunnel (ESP) proposals sent' },
  {
    state: 'qm2-received',
    label: 'QM2',
    group: 'Phase 2',
    description: 'Gateway chose the tunnel settings',
  },
  { state: 'qm3-sent', label: 'QM3', group: 'Phase 2', description: 'Tunnel keys installed' },
  { state: 'connected', label: 'Connected', group: 'Tunnel', description: 'Routes and DNS set up' },
];

export type StepStatus = 'done' | 'active' | 'failed' | 'pending' | 'skipped';

const CONNECTED = STEPS.length - 1;

function stepIndex(state: ConnectionState): number {
  if (state === 'rekeying' || state === 'disconnecting') return CONNECTED;
  return STEPS.findIndex((s) => s.state === state);
}

/** Where a failure belongs: before anything was sent is AM1; after the tunnel was up is Connected. */
function failedStep(failedAt: ConnectionState): number {
  if (failedAt === 'idle') return 0;
  const index = stepIndex(failedAt);
  return index < 0 ? CONNECTED : index;
}

/** xauthUsed: false for a profile with plain PSK (no XAuth step) */
export function stepStatuses(
  snapshot: Pick<ServiceSnapshot, 'engineState' | 'failure' | 'phase'>,
  xauthUsed: boolean,
): StepStatus[] {
  const failed = snapshot.failure ? failedStep(snapshot.failure.failedAt) : -1;
  const current = snapshot.phase === 'idle' ? -1 : stepIndex(snapshot.engineState);
  return STEPS.map((step, index) => {
    if (step.state === 'xauth' && !xauthUsed) return 'skipped';
    if (failed >= 0) return index === failed ? 'failed' : index < failed ? 'done' : 'pending';
    if (current < 0 || index > current) return 'pending';
    return index < current || index === CONNECTED ? 'done' : 'active';
  });
}
