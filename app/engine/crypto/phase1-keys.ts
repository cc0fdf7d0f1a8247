// Phase 1 keys (RFC 2409 5: SKEYID for pre-shared keys and for signatures, which hybrid
// authentication shares, draft-ietf-ipsec-isakmp-hybrid-auth 3.2) and the hashes that prove
// knowledge of them (HASH_I / HASH_R, RFC 2409 5).
import { feedbackExpand } from './expand.js';
import type { Prf } from './prf.js';

export interface KeyMaterial {
  prf: Prf;
  /** Ni_b / Nr_b: nonce payload bodies */
  nonceI: Buffer;
  nonceR: Buffer;
  /** g^xy */
  sharedSecret: Buffer;
  initiatorCookie: Buffer;
  responderCookie: Buffer;
}

export interface Phase1Keys {
  skeyid: Buffer;
  /** derives phase 2 keying material */
  skeyidD: Buffer;
  /** authenticates messages after phase 1 */
  skeyidA: Buffer;
  /** source of the phase 1 encryption key */
  skeyidE: Buffer;
}

const octet = (value: number) => Buffer.from([value]);

/** SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
export function derivePskPhase1Keys(m: KeyMaterial & { psk: Uint8Array }): Phase1Keys {
  const skeyid = m.prf(
    Buffer.from(m.psk.buffer, m.psk.byteOffset, m.psk.byteLength),
    Buffer.concat([m.nonceI, m.nonceR]),
  );
  return deriveFromSkeyid(m, skeyid);
}

/** SKEYID = prf(Ni_b | Nr_b, g^xy) */
export function deriveSignaturePhase1Keys(m: KeyMaterial): Phase1Keys {
  return deriveFromSkeyid(m, m.prf(Buffer.concat([m.nonceI, m.nonceR]), m.sharedSecret));
}

function deriveFromSkeyid(m: KeyMaterial, skeyid: Buffer): Phase1Keys {
  const tail = [m.sharedSecret, m.initiatorCookie, m.responderCookie];
  const skeyidD = m.prf(skeyid, Buffer.concat([...tail, octet(0)]));
  const skeyidA = m.prf(skeyid, Buffer.concat([skeyidD, ...tail, octet(1)]));
  const skeyidE = m.prf(skeyid, Buffer.concat([skeyidA, ...tail, octet(2)]));
  return { skeyid, skeyidD, skeyidA, skeyidE };
}

/** RFC 2409 appendix B: the cipher key is the leading keyLength bytes of SKEYID_e, or, when
 * SKEYID_e is too short, of K1 | K2 | ... with K1 = prf(SKEYID_e, 0), Kn+1 = prf(SKEYID_e, Kn). */
export function phase1EncryptionKey(prf: Prf, skeyidE: Buffer, keyLength: number): Buffer {
  if (skeyidE.length >= keyLength) return skeyidE.subarray(0, keyLength);
  return feedbackExpand(prf(skeyidE, octet(0)), (k) => prf(skeyidE, k), keyLength);
}

export interface Phase1AuthMaterial {
  prf: Prf;
  skeyid: Buffer;
  /** g^xi / g^xr: KE payload bodies */
  initiatorPublic: Buffer;
  responderPublic: Buffer;
  initiatorCookie: Buffer;
  responderCookie: Buffer;
  /** SAi_b: the initiator's SA payload body (without the generic header) */
  saIBody: Buffer;
}

/** HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
export function hashI(m: Phase1AuthMaterial, idIBody: Buffer): Buffer {
  return m.prf(
    m.skeyid,
    Buffer.concat([
      m.initiatorPublic,
      m.responderPublic,
      m.initiatorCookie,
      m.responderCookie,
      m.saIBody,
      idIBody,
    ]),
  );
}

/** HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
export function hashR(m: Phase1AuthMaterial, idRBody: Buffer): Buffer {
  return m.prf(
    m.skeyid,
    Buffer.concat([
      m.responderPublic,
      m.initiatorPublic,
      m.responderCookie,
      m.initiatorCookie,
      m.saIBody,
      idRBody,
    ]),
  );
}
