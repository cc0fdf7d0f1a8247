// The gateway's side of signature and hybrid authentication (RFC 2409 5.1; draft-ietf-ipsec-
// isakmp-hybrid-auth 3.2: the gateway signs in both): its CERT payloads chain to the profile's
// CA, its certificate holds the name the profile expects and the identity it sent (IDir), and
// SIG_R is HASH_R signed with that certificate's key.
import { X509Certificate } from 'node:crypto';
import type { Profile } from '../../shared/profile.js';
import { EngineError } from '../api.js';
import { hashSignatureVerifies } from '../crypto/signature.js';
import {
  CertificateProblem,
  certificateHolds,
  expectedName,
  readCertificates,
  subjectLine,
  verifyChain,
} from '../crypto/x509.js';
import { type Identity, describeId } from '../exchanges/phase1-parts.js';
import { CertEncoding, IdType, PayloadType } from '../wire/constants.js';
import { findPayloads, requirePayload } from '../wire/message.js';
import type { OutgoingPayload, ReceivedPayload } from '../wire/payloads.js';
import { asEngineError, readProfileFile } from './trust.js';

export interface GatewayTrust {
  cas: X509Certificate[];
  /** the name the gateway's certificate must hold */
  expected: string;
  now: () => Date;
}

export function gatewayTrust(profile: Profile, now: () => Date): GatewayTrust {
  const file = profile.caFile;
  const pem = readProfileFile(file, 'caFile', profile.authMethod);
  return {
    cas: asEngineError(() => readCertificates(pem, file ?? '', 'CA file')),
    expected: profile.gatewayId ?? profile.gateway,
    now,
  };
}

/** RFC 2408 3.10: a CR with no authority asks for a certificate from any CA. */
export const ANY_CERTIFICATE_REQUEST: OutgoingPayload = {
  type: PayloadType.CertificateRequest,
  body: { encoding: CertEncoding.X509Signature, data: Buffer.alloc(0) },
};

/** The IDir must be a name the certificate holds; a DN names the certificate's subject, which
 * signed, so it needs no check of its own. */
function idHeldBy(certificate: X509Certificate, id: Identity): boolean {
  const value = describeId(id);
  switch (id.idType) {
    case IdType.Ipv4Addr:
      return certificateHolds(certificate, { kind: 'ip', value });
    case IdType.Fqdn:
      return certificateHolds(certificate, { kind: 'dns', value });
    case IdType.UserFqdn:
      return certificateHolds(certificate, { kind: 'email', value });
    default:
      return id.idType === IdType.DerAsn1Dn;
  }
}

/** Checks the gateway's certificate and SIG_R; returns the gateway's name for the log. */
export function verifyGatewaySignature(
  trust: GatewayTrust,
  payloads: readonly ReceivedPayload[],
  hashR: Buffer,
  id: Identity,
): string {
  const sent = findPayloads(payloads, PayloadType.Certificate)
    .filter((p) => p.body.encoding === CertEncoding.X509Signature)
    .map((p) => {
      try {
        return new X509Certificate(p.body.data);
      } catch {
        throw new EngineError('malformed-response', 'the gateway sent an unreadable certificate');
      }
    });
  const signature = requirePayload(payloads, PayloadType.Signature, 'the gateway’s proof').body;
  return asEngineError(() => {
    const certificate = verifyChain(sent, trust.cas, trust.now());
    const name = subjectLine(certificate);
    if (!certificateHolds(certificate, expectedName(trust.expected)))
      throw new CertificateProblem(
        'identity-mismatch',
        `the gateway certificate (${name}) is not made out to ${trust.expected}`,
      );
    if (!idHeldBy(certificate, id))
      throw new CertificateProblem(
        'identity-mismatch',
        `the gateway identified itself as ${describeId(id)}, which its certificate (${name}) does not hold`,
      );
    if (certificate.publicKey.asymmetricKeyType !== 'rsa')
      throw new EngineError(
        'certificate-unusable',
        `the gateway certificate (${name}) has an ${certificate.publicKey.asymmetricKeyType} key: Roadwarrior verifies RSA signatures only so far`,
      );
    if (!hashSignatureVerifies(certificate.publicKey, hashR, signature.data))
      throw new EngineError(
        'gateway-cert-untrusted',
        `the gateway's signature does not verify with the key of its certificate (${name})`,
      );
    return name;
  });
}
