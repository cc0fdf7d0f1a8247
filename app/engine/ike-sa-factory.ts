// Builds the IKE SA from what aggressive mode exchanged (RFC 2409 5, appendix B): SKEYID and
// its children, the message encryption key and IV chains, and both sides' authentication hashes.
import type { Secret } from '../shared/secret.js';
import {
  IkeCrypter,
  createPrf,
  derivePskPhase1Keys,
  hashI,
  hashR,
  ikeCipherKeyLength,
  phase1EncryptionKey,
} from './crypto/index.js';
import type { IkeSa } from './ike-sa.js';
import type { Phase1Proposal } from './proposals.js';

export interface AggressiveModeKeys {
  proposal: Phase1Proposal;
  psk: Secret;
  nonceI: Buffer;
  nonceR: Buffer;
  sharedSecret: Buffer;
  keI: Buffer;
  keR: Buffer;
  initiatorCookie: Buffer;
  responderCookie: Buffer;
  saIBody: Buffer;
  idIBody: Buffer;
  idRBody: Buffer;
}

export function establishIkeSa(input: AggressiveModeKeys): {
  sa: IkeSa;
  hashI: Buffer;
  expectedHashR: Buffer;
} {
  const prf = createPrf(input.proposal.hash);
  const keys = derivePskPhase1Keys({
    prf,
    psk: input.psk.reveal(),
    nonceI: input.nonceI,
    nonceR: input.nonceR,
    sharedSecret: input.sharedSecret,
    initiatorCookie: input.initiatorCookie,
    responderCookie: input.responderCookie,
  });
  const cipher = { name: input.proposal.cipher, keyBits: input.proposal.keyBits };
  const crypter = new IkeCrypter({
    cipher,
    key: phase1EncryptionKey(prf, keys.skeyidE, ikeCipherKeyLength(cipher)),
    hash: input.proposal.hash,
    initiatorPublic: input.keI,
    responderPublic: input.keR,
  });
  const material = {
    prf,
    skeyid: keys.skeyid,
    initiatorPublic: input.keI,
    responderPublic: input.keR,
    initiatorCookie: input.initiatorCookie,
    responderCookie: input.responderCookie,
    saIBody: input.saIBody,
  };
  const sa: IkeSa = {
    initiatorCookie: input.initiatorCookie,
    responderCookie: input.responderCookie,
    skeyidD: keys.skeyidD,
    skeyidA: keys.skeyidA,
    prf,
    encrypt: (messageId, plaintext) => crypter.encrypt(messageId, plaintext),
    decrypt: (messageId, ciphertext) => crypter.decrypt(messageId, ciphertext),
  };
  return {
    sa,
    hashI: hashI(material, input.idIBody),
    expectedHashR: hashR(material, input.idRBody),
  };
}
