// How phase 1 proves identities, one module per authentication method as libcharon's IKEv1
// authenticators: the phase 1 exchanges build and check their AUTH part through this interface
// (HASH_I / HASH_R for a group key, CERT and SIG for signatures, RFC 2409 5 and 5.1), and know
// nothing else of the method.
import type { WarningEvent } from '../../shared/events.js';
import type { Secret } from '../../shared/secret.js';
import type { EngineError } from '../api.js';
import type { HashName } from '../crypto/prf.js';
import type { Identity } from '../exchanges/phase1-parts.js';
import type { OutgoingPayload, ReceivedPayload } from '../wire/payloads.js';

/** The gateway proved who it is: how to name it, and what the check found worth a warning. */
export interface GatewayProof {
  name: string;
  warnings: WarningEvent[];
}

export interface Phase1Authenticator {
  /** the Authentication-Method attribute we propose (RFC 2409 appendix A and its drafts) */
  readonly methodId: number;
  /** the method's name in the IKE SA event: AUTH_METHODS' label, or an ECDSA method's */
  readonly label: string;
  /** the group key SKEYID derives from; undefined: SKEYID from the nonces and g^xy (RFC 2409 5) */
  readonly psk: Secret | undefined;
  /** the hash of the prf of HASH_I / HASH_R when the method fixes it (an ECDSA method's SHA-2,
   * app/engine/crypto/signature.ts); undefined: the negotiated proposal's */
  readonly authPrf: HashName | undefined;
  /** IDii */
  readonly identity: Identity;
  /** CR payloads that ask for the gateway's certificate, sent with our key exchange */
  readonly certificateRequests: OutgoingPayload[];
  /** our proof after IDii: HASH_I, or CERT and SIG_I */
  prove(hashI: Buffer): OutgoingPayload[];
  /** Checks the gateway's proof in the message carrying IDir against the HASH_R we expect;
   * throws an EngineError naming what is wrong. */
  verify(payloads: readonly ReceivedPayload[], hashR: Buffer, id: Identity): GatewayProof;
  /** what it means when the gateway does not accept our proof */
  refused(): EngineError;
}
