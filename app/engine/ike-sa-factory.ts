// Builds the IKE SA from what phase 1 exchanged (RFC 2409 5, appendix B): SKEYID and its
// children, the message encryption key and IV chains, and both sides' authentication hashes.
// Aggressive mode knows both identities when the keys are made; main mode learns the gateway's
// only from the message that carries HASH_R, hence the hashes as functions of the ID bodies.
import type { Secret } from '../shared/secret.js';
import {
  type HashName,
  IkeCrypter,
  createPrf,
  derivePskPhase1Keys,
  deriveSignaturePhase1Keys,
  hashI,
  hashR,
  ikeCipherKeyLength,
  phase1EncryptionKey,
} from './crypto/index.js';
import type { IkeSa } from './ike-sa.js';
import type { Phase1Proposal } from './proposals.js';

export interface Phase1KeyInput {
  proposal: Phase1Proposal;
  /** the group key; undefined for signature and hybrid authentication, whose SKEYID comes
   * from the nonces and g^xy alone (RFC 2409 5) */
  psk: Secret | undefined;
  nonceI: Buffer;
  nonceR: Buffer;
  sharedSecret: Buffer;
  keI: Buffer;
  keR: Buffer;
  initiatorCookie: Buffer;
  responderCookie: Buffer;
  saIBody: Buffer;
  /** the hash of HASH_I / HASH_R's prf when the authentication method fixes it (an ECDSA
   * method's, app/engine/auth); undefined: the proposal's */
  authPrf: HashName | undefined;
  /** wraps the new IKE SA (the support bundle's capture sees its plaintexts from message 3 on) */
  tap?: ((sa: IkeSa) => IkeSa) | undefined;
}

export interface AggressiveModeKeys extends Phase1KeyInput {
  idIBody: Buffer;
  idRBody: Buffer;
}

export function establishIkeSa(input: AggressiveModeKeys): {
  sa: IkeSa;
  hashI: Buffer;
  expectedHashR: Buffer;
} {
  const { sa, hashI, hashR } = deriveIkeSa(input);
  return { sa, hashI: hashI(input.idIBody), expectedHashR: hashR(input.idRBody) };
}

export function deriveIkeSa(input: Phase1KeyInput): {
  sa: IkeSa;
  /** HASH_I over IDii_b */
  hashI(idIBody: Buffer): Buffer;
  /** HASH_R over IDir_b */
  hashR(idRBody: Buffer): Buffer;
} {
  const prf = createPrf(input.proposal.hash);
  const material = {
    prf,
    nonceI: input.nonceI,
    nonceR: input.nonceR,
    sharedSecret: input.sharedSecret,
    initiatorCookie: input.initiatorCookie,
    responderCookie: input.responderCookie,
  };
  const keys = input.psk
    ? derivePskPhase1Keys({ ...material, psk: input.psk.reveal() })
    : deriveSignaturePhase1Keys(material);
  const cipher = { name: input.proposal.cipher, keyBits: input.proposal.keyBits };
  const crypter = new IkeCrypter({
    cipher,
    key: phase1EncryptionKey(prf, keys.skeyidE, ikeCipherKeyLength(cipher)),
    hash: input.proposal.hash,
    initiatorPublic: input.keI,
    responderPublic: input.keR,
  });
  const authMaterial = {
    prf: input.authPrf ? createPrf(input.authPrf) : prf,
    skeyid: keys.skeyid,
    initiatorPublic: input.keI,
    responderPublic: input.keR,
    initiatorCookie: input.initiatorCookie,
    responderCookie: input.responderCookie,
    saIBody: input.saIBody,
  };
  const derived: IkeSa = {
    initiatorCookie: input.initiatorCookie,
    responderCookie: input.responderCookie,
    skeyidD: keys.skeyidD,
    skeyidA: keys.skeyidA,
    prf,
    encrypt: (messageId, plaintext) => crypter.encrypt(messageId, plaintext),
    decrypt: (messageId, ciphertext) => crypter.decrypt(messageId, ciphertext),
  };
  return {
    sa: input.tap ? input.tap(derived) : derived,
    hashI: (idIBody) => hashI(authMaterial, idIBody),
    hashR: (idRBody) => hashR(authMaterial, idRBody),
  };
}
