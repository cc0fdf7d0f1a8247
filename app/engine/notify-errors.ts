// Error notifications (RFC 2408 3.14.1) in plain words, mapped to our stable error codes.
import type { ErrorCode } from '../shared/events.js';
import { EngineError } from './api.js';
import { NotifyType } from './wire/constants.js';

type Stage = 'phase1' | 'after-phase1' | 'phase2';

const NAMES = new Map<number, string>(
  Object.entries(NotifyType).map(([name, value]) => [value, name]),
);

export function notifyName(type: number): string {
  return (NAMES.get(type) ?? `notification ${type}`)
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toUpperCase();
}

/** `authenticated`: the notification came in a message whose HASH verified; a cleartext one
 * may come from anyone on the path. */
export function notifyError(type: number, stage: Stage, authenticated: boolean): EngineError {
  const name = notifyName(type);
  const sender = authenticated ? 'gateway' : 'gateway, or someone on the path,';
  const plain = (code: ErrorCode, text: string) =>
    new EngineError(code, `${text} (${sender} sent ${name})`, { authenticated });
  const pskRejected = () =>
    plain(
      'group-psk-rejected',
      'the gateway could not verify us: the group pre-shared key is probably wrong',
    );
  switch (type) {
    case NotifyType.NoProposalChosen:
      return stage === 'phase2'
        ? plain('phase2-rejected', 'the gateway accepts none of our ESP proposals')
        : plain(
            'no-proposal-chosen',
            'the gateway accepts none of our phase 1 proposals (cipher, hash, DH group)',
          );
    case NotifyType.InvalidIdInformation:
      return stage === 'phase1'
        ? plain('unknown-group', 'the gateway does not know this group name')
        : plain('invalid-id', 'the gateway refused the traffic selectors');
    case NotifyType.AuthenticationFailed:
      // before our message 3 the gateway has verified nothing but our identity
      return stage === 'phase1'
        ? plain('unknown-group', 'the gateway has no configuration for this group name')
        : pskRejected();
    case NotifyType.InvalidHashInformation:
    case NotifyType.InvalidSignature:
      return pskRejected();
    case NotifyType.InvalidKeyInformation:
      // in Quick Mode it is about the PFS key exchange: a phase 2 refusal
      return stage === 'phase2'
        ? plain('phase2-rejected', 'the gateway rejected our PFS Diffie-Hellman value or group')
        : plain('no-proposal-chosen', 'the gateway rejected our Diffie-Hellman value or group');

    default:
      return plain('peer-notified-error', 'the gateway reported an error');
  }
}

/** Notifications of status (>= 16384) are information, not errors (RFC 2408 3.14.1). */
export function isErrorNotification(type: number): boolean {
  return type < 16384;
}
