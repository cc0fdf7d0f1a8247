// What a phase 1 exchange (aggressive or main mode) is given and what it gives back.
import type { IkeChannel } from '../shared/dataplane-port.js';
import type { WarningEvent } from '../shared/events.js';
import type { Profile } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';
import type { CredentialProvider } from './api.js';
import type { NatTraversal } from './exchanges/nat-d.js';
import type { IkeSa } from './ike-sa.js';
import type { Logger } from './logger.js';
import type { Messenger } from './messenger.js';
import type { Phase1Proposal } from './proposals.js';

export interface Phase1Result {
  sa: IkeSa;
  chosen: Phase1Proposal;
  lifetimeSeconds: number;
  nat: NatTraversal;
  peerVendorIds: string[];
  peerId: string;
  dpdSupported: boolean;
  /** the negotiated authentication method's name (XAUTH-RSA, ECDSA-256, ...) for the IKE SA event */
  authMethod: string;
  /** what checking the gateway's proof found worth a warning (a CRL file out of date) */
  authWarnings: WarningEvent[];
}

export interface Phase1Deps {
  profile: Profile;
  channel: IkeChannel;
  messenger: Messenger;
  log: Logger;
  /** asked for by the caller, awaited once message 1 is built (reading it overlaps that);
   * undefined for the certificate methods, which have no group key */
  groupPsk: Promise<Secret> | undefined;
  /** for the client key's passphrase (xauth-rsa) */
  credentials: Pick<CredentialProvider, 'keyPassphrase'>;
  /** throws once the connection is being cancelled (a prompt for the key may take long) */
  checkAborted(): void;
  gatewayAddress: string;
  /** false when re-authenticating: the current SAs must survive (see initialContact) */
  initialContact: boolean;
  onStep(step: 'am1-sent' | 'am2-received' | 'am3-sent'): void;
  /** wraps the IKE SA as soon as it exists (ConnectOptions.ikeCapture) */
  tapIkeSa?: ((sa: IkeSa) => IkeSa) | undefined;
}
