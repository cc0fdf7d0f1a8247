// The warnings a network engineer would give about a connection that works: aggressive mode
// with a group key, weak algorithms, no PFS. Built from what was negotiated; the connection
// emits each one once (WarningLedger), the UI and CLI only render them.
import { weakEspParts, weakIkeParts } from '../shared/algorithms.js';
import type { EspSaPair } from '../shared/esp-sa.js';
import type { WarningCode, WarningEvent } from '../shared/events.js';
import type { Profile } from '../shared/profile.js';
import { eventTime } from './event-time.js';
import type { Phase1Proposal } from './proposals.js';

export function warning(code: WarningCode, message: string): WarningEvent {
  return { type: 'warning', at: eventTime(), code, message };
}

/** RFC 2409 5.4 aggressive mode sends the ID in clear and HASH_R answers anyone who asks, so
 * the group key can be guessed offline (the "IKE-scan" attack): it protects nothing secret.
 * Main mode hides both from the path, but a key every user holds lets each of them pose as the
 * gateway. */
export function groupKeyWarning(profile: Profile): WarningEvent {
  const protection =
    profile.authMethod === 'xauth-psk'
      ? 'Your XAuth username and password are what protect you'
      : 'This profile has no XAuth, so nothing but that shared key protects this connection';
  if (profile.exchange === 'main')
    return warning(
      'group-psk-shared',
      `Main mode with a group key: the group name and the key's proof travel encrypted, but everyone who holds the group key can pose as this gateway. ${protection}, and only from the real gateway.`,
    );
  return warning(
    'aggressive-mode-group-psk',
    `Aggressive mode with a group key: the group name "${profile.group}" travels in clear, and anyone who can reach the gateway can get a hash of the group key and guess the key offline. Treat the group key as known to others, not as a secret. ${protection}.`,
  );
}

export function phase1Warnings(chosen: Phase1Proposal): WarningEvent[] {
  const weak = weakIkeParts(chosen);
  return weak.length === 0
    ? []
    : [
        warning(
          'weak-algorithm',
          `The IKE SA uses ${weak.join(', ')} (${chosen.text}): weak by today's standards. Ask the gateway's admin for AES with SHA-2 and DH group 14 or stronger.`,
        ),
      ];
}

export function childSaWarnings(pair: EspSaPair, pfsGroup: number | undefined): WarningEvent[] {
  const weak = weakEspParts({ ...pair, pfsGroup });
  return [
    ...(weak.length === 0
      ? []
      : [
          warning(
            'weak-algorithm',
            `The IPsec SA uses ${weak.join(', ')}: weak by today's standards. Ask the gateway's admin for AES-GCM or AES with SHA-2.`,
          ),
        ]),
    ...(pfsGroup === undefined
      ? [
          warning(
            'pfs-off',
            'Perfect forward secrecy is off: whoever gets the IKE SA keys can decrypt every IPsec SA made under it. Set PFS in the profile, or ask the gateway to require it.',
          ),
        ]
      : []),
  ];
}

/** Each warning once per connection: rekeys and re-authentications repeat the same facts. */
export class WarningLedger {
  private readonly seen = new Set<string>();

  isNew(event: WarningEvent): boolean {
    const key = `${event.code}\n${event.message}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}
