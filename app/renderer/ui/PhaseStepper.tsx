// The connection steps, grouped as a network engineer knows them (phase 1 AM1-3, XAuth, Mode
// Config, phase 2 QM1-3), each done, in progress, failed or ahead; the failed one is marked.
import type { ServiceSnapshot } from '../../shared/ui/ipc.js';
import { STEPS, type Step, type StepStatus, stepStatuses } from './phase-steps.js';

const STATUS_TEXT: Record<StepStatus, string> = {
  done: 'done',
  active: 'in progress',
  failed: 'failed',
  pending: 'not reached',
  skipped: 'not used by this profile',
};

const MARKER: Record<StepStatus, string> = {
  done: '✓',
  active: '',
  failed: '✕',
  pending: '',
  skipped: '–',
};

interface Props {
  snapshot: Pick<ServiceSnapshot, 'engineState' | 'failure' | 'phase' | 'diagnosis'>;
  xauthUsed: boolean;
}

export function PhaseStepper({ snapshot, xauthUsed }: Props) {
  const statuses = stepStatuses(snapshot, xauthUsed);
  const groups: { name: Step['group']; steps: { step: Step; status: StepStatus }[] }[] = [];
  STEPS.forEach((step, index) => {
    const status = statuses[index] ?? 'pending';
    const last = groups.at(-1);
    if (last?.name === step.group) last.steps.push({ step, status });
    else groups.push({ name: step.group, steps: [{ step, status }] });
  });
  return (
    <ol className="stepper" aria-label="Connection steps">
      {groups.map((group) => (
        <li key={group.name} className="stepper-group">
          <span className="stepper-group-name" aria-hidden={group.steps.length === 1}>
            {group.steps.length > 1 ? group.name : '\u00a0'}
          </span>
          <ol className="stepper-steps">
            {group.steps.map(({ step, status }) => (
              <li
                key={step.state}
                className={`step step-${status}`}
                data-step={step.state}
                data-status={status}
                aria-current={status === 'active' ? 'step' : undefined}
                title={`${step.description}: ${STATUS_TEXT[status]}`}
              >
                <span className="step-marker" aria-hidden="true">
                  {MARKER[status]}
                </span>
                <span className="step-label">
                  {group.steps.length > 1 && <span className="visually-hidden">{group.name} </span>}
                  {step.label}
                </span>
                <span className="visually-hidden">: {STATUS_TEXT[status]}</span>
              </li>
            ))}
          </ol>
        </li>
      ))}
    </ol>
  );
}
