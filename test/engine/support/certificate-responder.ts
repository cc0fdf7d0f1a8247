// The fake gateway's side of certificate authentication (RFC 2409 5.1; hybrid,
// draft-ietf-ipsec-isakmp-hybrid-auth 3.2): with `certificates` in its options it derives
// SKEYID from the nonces and g^xy, proves itself with CERT and SIG_R, and checks the
// initiator's SIG_I against the certificate it sent (xauth-rsa) or its HASH_I (hybrid).
import { type KeyObject, X509Certificate } from 'node:crypto';
import { hashSignatureVerifies, signHash } from '../../../app/engine/crypto/signature.js';
import { CertEncoding, PayloadType } from '../../../app/engine/wire/constants.js';
import { findPayloads, requirePayload } from '../../../app/engine/wire/message.js';
import type { OutgoingPayload, ReceivedPayload } from '../../../app/engine/wire/payloads.js';

export interface ResponderCertificates {
  /** the gateway's certificate and key */
  certificate: X509Certificate;
  key: KeyObject;
  /** how the initiator proves itself: CERT and SIG_I (xauth-rsa) or HASH_I (hybrid) */
  initiator: 'signature' | 'hash';
  /** false: the certificates alone authenticate (authMethod certificate, RSA or ECDSA), and
   * Mode Config follows phase 1 */
  xauth?: boolean;
}

/** The gateway's proof after IDir: HASH_R, or CERT and SIG_R. */
export function responderProof(
  certificates: ResponderCertificates | undefined,
  hashR: Buffer,
): OutgoingPayload[] {
  if (!certificates) return [{ type: PayloadType.Hash, body: { data: hashR } }];
  return [
    {
      type: PayloadType.Certificate,
      body: { encoding: CertEncoding.X509Signature, data: certificates.certificate.raw },
    },
    { type: PayloadType.Signature, body: { data: signHash(certificates.key, hashR) } },
  ];
}

/** Whether the initiator's proof is HASH_I, or SIG_I by the certificate it sent. */
export function initiatorProofVerifies(
  certificates: ResponderCertificates | undefined,
  payloads: readonly ReceivedPayload[],
  hashI: Buffer,
): boolean {
  if (certificates?.initiator !== 'signature')
    return requirePayload(payloads, PayloadType.Hash, 'HASH_I').body.data.equals(hashI);
  const [cert] = findPayloads(payloads, PayloadType.Certificate);
  if (!cert) return false;
  const signature = requirePayload(payloads, PayloadType.Signature, 'SIG_I').body.data;
  return hashSignatureVerifies(new X509Certificate(cert.body.data).publicKey, hashI, signature);
}
