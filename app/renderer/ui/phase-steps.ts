// The connection as steps: phase 1 (aggressive mode messages 1-3), XAuth, Mode Config, phase 2
// (Quick Mode messages 1-3), connected. Which are done, in progress, failed or still ahead.
import type { ConnectionState, Phase, ServiceSnapshot } from '../../shared/ui/ipc.js';

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

const DIAGNOSED_GROUP: Partial<Record<Phase, Step['group']>> = {
  phase1: 'Phase 1',
  xauth: 'XAuth',
  modecfg: 'Mode Config',
  phase2: 'Phase 2',
};

/** The diagnosed step: a diagnosis names the phase at fault, which may lie before the step the
 * engine was in when it gave up (UDP 4500 blocked is phase 1's message 3, noticed while waiting
 * for XAuth). Within that phase, the step it got to; else the phase's last step. */
function diagnosedStep(failedAt: ConnectionState, phase: Phase | undefined): number {
  const reached = failedStep(failedAt);
  const group = phase && DIAGNOSED_GROUP[phase];
  const inGroup = STEPS.flatMap((step, index) => (step.group === group ? [index] : []));
  if (!inGroup.length || inGroup.includes(reached)) return reached;
  return inGroup.filter((index) => index < reached).at(-1) ?? (inGroup[0] as number);
}

/** xauthUsed: false for a profile with plain PSK (no XAuth step) */
export function stepStatuses(
  snapshot: Pick<ServiceSnapshot, 'engineState' | 'failure' | 'phase' | 'diagnosis'>,
  xauthUsed: boolean,
): StepStatus[] {
  const failed = snapshot.failure
    ? diagnosedStep(snapshot.failure.failedAt, snapshot.diagnosis?.phase)
    : -1;
  const current = snapshot.phase === 'idle' ? -1 : stepIndex(snapshot.engineState);
  return STEPS.map((step, index) => {
    if (step.state === 'xauth' && !xauthUsed) return 'skipped';
    if (failed >= 0) return index === failed ? 'failed' : index < failed ? 'done' : 'pending';
    if (current < 0 || index > current) return 'pending';
    return index < current || index === CONNECTED ? 'done' : 'active';
  });
}
