// Hybrid authentication (draft-ietf-ipsec-isakmp-hybrid-auth 3.2, HybridInitRSA): the gateway
// proves itself with its certificate and SIG_R; we prove only that we took part in the key
// exchange, with HASH_I over the signature-mode SKEYID (no key of ours exists), and the user is
// authenticated by the XAuth that follows (3.2.1). Our identity is the profile's, as with a
// group key: a Cisco head-end picks the group by it.
import { AUTH_METHODS, type Profile } from '../../shared/profile.js';
import { ourIdentity } from '../exchanges/phase1-parts.js';
import { notifyError } from '../notify-errors.js';
import { phase1AuthMethodId } from '../proposals.js';
import { NotifyType, PayloadType } from '../wire/constants.js';
import type { Phase1Authenticator } from './authenticator.js';
import {
  certificateRequests,
  gatewayTrust,
  verifyGatewaySignature,
} from './gateway-certificate.js';

export function hybridAuthenticator(profile: Profile, now: () => Date): Phase1Authenticator {
  const trust = gatewayTrust(profile, now);
  const { label } = AUTH_METHODS[profile.authMethod];
  // HybridInitRSA: the gateway signs with RSA
  const signedBy = { label, ecdsa: false, xauth: true };
  return {
    methodId: phase1AuthMethodId(profile.authMethod),
    label,
    authPrf: undefined,
    psk: undefined,
    identity: ourIdentity(profile),
    certificateRequests: certificateRequests(trust),
    prove: (hashI) => [{ type: PayloadType.Hash, body: { data: hashI } }],
    verify: (payloads, hashR, id) => verifyGatewaySignature(trust, signedBy, payloads, hashR, id),
    // no secret of ours is in HASH_I: a refusal is the gateway's policy (no hybrid for this
    // group or identity)
    refused: () => notifyError(NotifyType.AuthenticationFailed, 'phase1', false),
  };
}
