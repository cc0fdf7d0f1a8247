// The 'sa' events (app/shared/events.ts) that describe an IKE SA or an ESP SA pair to the UI
// and CLI, built from what phase 1 and Quick Mode negotiated.
import type { EspSaPair } from '../shared/esp-sa.js';
import type { IkeSaEvent, IpsecSaEvent } from '../shared/events.js';
import type { Profile } from '../shared/profile.js';
import { eventTime } from './event-time.js';
import type { Phase1Result } from './phase1.js';

export function ikeSaEvent(
  phase1: Phase1Result,
  profile: Profile,
  localNattPort: number,
): IkeSaEvent {
  return {
    type: 'sa',
    kind: 'ike',
    at: eventTime(),
    initiatorCookie: phase1.sa.initiatorCookie.toString('hex'),
    responderCookie: phase1.sa.responderCookie.toString('hex'),
    encryption: phase1.chosen.cipher === 'aes' ? `AES-CBC-${phase1.chosen.keyBits}` : '3DES-CBC',
    hash: phase1.chosen.hash.toUpperCase(),
    dhGroup: phase1.chosen.group,
    authMethod: phase1.authMethod,
    lifetimeSeconds: phase1.lifetimeSeconds,
    natT: {
      mode: phase1.nat.mode,
      localBehindNat: phase1.nat.localBehindNat,
      peerBehindNat: phase1.nat.peerBehindNat,
      forced: phase1.nat.forced,
      localPort: localNattPort,
      gatewayPort: profile.gatewayNattPort,
    },
    dpd: phase1.dpdSupported,
    peerVendorIds: phase1.peerVendorIds,
    peerId: phase1.peerId,
  };
}

export function ipsecSaEvent(
  pair: EspSaPair,
  rekeyCount: number,
  status: 'installed' | 'deleted',
  pfsGroup: number | undefined,
): IpsecSaEvent {
  return {
    type: 'sa',
    kind: 'ipsec',
    at: eventTime(),
    id: pair.id,
    spiIn: spiHex(pair.inbound.spi),
    spiOut: spiHex(pair.outbound.spi),
    transform: `ESP ${pair.encryption.toUpperCase()}-${pair.keyBits}${pair.integrity === 'none' ? '' : ` ${pair.integrity.toUpperCase()}`}`,
    pfsGroup,
    lifetimeSeconds: pair.lifetime.seconds,
    lifetimeKilobytes: pair.lifetime.kilobytes,
    localSelectors: pair.selectors.local,
    remoteSelectors: pair.selectors.remote,
    rekeyCount,
    status,
  };
}

/** An SPI as events and logs show it: 8 hex digits. */
export function spiHex(spi: number): string {
  return spi.toString(16).padStart(8, '0');
}
