// The gateway's side of signature and hybrid authentication (RFC 2409 5.1; draft-ietf-ipsec-
// isakmp-hybrid-auth 3.2: the gateway signs in both): its CERT payloads chain to the profile's
// CA, its certificate holds the name the profile expects and the identity it sent (IDir), and
// SIG_R is HASH_R signed with that certificate's key, of the type the negotiated method names
// (IKEv1 negotiates one method for both sides: RSA, or ECDSA by RFC 4754); with a CRL file in
// the profile, no certificate of the path is revoked (crl.ts).
import { X509Certificate } from 'node:crypto';
import type { WarningEvent } from '../../shared/events.js';
import type { Profile } from '../../shared/profile.js';
import { EngineError } from '../api.js';
import { type CrlFile, readCrls, revocationOf } from '../crypto/crl.js';
import {
  describeKey,
  ecdsaMethod,
  hashSignatureVerifies,
  unusableKey,
} from '../crypto/signature.js';
import {
  CertificateProblem,
  certificateHolds,
  expectedName,
  readCertificates,
  subjectLine,
  verifyChain,
} from '../crypto/x509.js';
import { keyUsageOf, subjectNameDer } from '../crypto/x509-name.js';
import { type Identity, describeId } from '../exchanges/phase1-parts.js';
import { warning } from '../security-warnings.js';
import { CertEncoding, IdType, PayloadType } from '../wire/constants.js';
import { findPayloads, requirePayload } from '../wire/message.js';
import type { OutgoingPayload, ReceivedPayload } from '../wire/payloads.js';
import type { GatewayProof } from './authenticator.js';
import { asEngineError, readProfileFile } from './trust.js';

export interface GatewayTrust {
  cas: X509Certificate[];
  /** the name the gateway's certificate must hold */
  expected: string;
  now: () => Date;
  /** the profile's CRLs, when it has a CRL file */
  crls: CrlFile | undefined;
  /** without a current CRL for a certificate: refuse (true) or warn */
  crlRequired: boolean;
}

export function gatewayTrust(profile: Profile, now: () => Date): GatewayTrust {
  const file = profile.caFile;
  const pem = readProfileFile(file, 'caFile', profile.authMethod);
  const crlFile = profile.crlFile;
  return {
    cas: asEngineError(() => readCertificates(pem, file ?? '', 'CA file')),
    expected: profile.gatewayId ?? profile.gateway,
    now,
    crlRequired: profile.crlRequired,
    crls:
      crlFile === undefined
        ? undefined
        : asEngineError(() =>
            readCrls(readProfileFile(crlFile, 'crlFile', profile.authMethod), crlFile),
          ),
  };
}

/** The revocation check of verifyChain against the profile's CRLs: a revoked certificate
 * throws; one whose status is unknown throws where the profile requires a CRL, else becomes a
 * warning. */
function revocationCheck(trust: GatewayTrust, warnings: WarningEvent[]) {
  const crls = trust.crls;
  if (!crls) return undefined;
  return (certificate: X509Certificate, issuer: X509Certificate) => {
    const revocation = revocationOf(certificate, issuer, crls, trust.now());
    if (revocation.status === 'revoked')
      throw new CertificateProblem('revoked', revocation.message);
    if (revocation.status === 'unknown' && trust.crlRequired)
      throw new CertificateProblem(
        'revocation-unknown',
        `the profile requires a current CRL for ${subjectLine(certificate)}, and ${revocation.message}`,
      );
    if (revocation.status === 'unknown')
      warnings.push(
        warning(
          'revocation-unchecked',
          `Whether ${subjectLine(certificate)} has been revoked is not known: ${revocation.message}. Connected anyway; ask your administrator for a current CRL file.`,
        ),
      );
  };
}

/** More CAs than this (a system bundle as the profile's CA file) get one CR without a CA: a
 * hundred CR payloads would swell an unfragmented message for no gain. */
const MOST_NAMED_CAS = 8;

const certificateRequest = (authority: Buffer): OutgoingPayload => ({
  type: PayloadType.CertificateRequest,
  body: { encoding: CertEncoding.X509Signature, data: authority },
});

/** A CR for each CA of the profile, its Certification Authority field the CA's subject name
 * (RFC 2408 3.10): a gateway with certificates from several CAs picks one we trust, where a CR
 * with no authority lets it send any. */
export function certificateRequests(trust: GatewayTrust): OutgoingPayload[] {
  if (trust.cas.length > MOST_NAMED_CAS) return [certificateRequest(Buffer.alloc(0))];
  return trust.cas.map((ca) => certificateRequest(asEngineError(() => subjectNameDer(ca))));
}

/** The IDir must be a name the certificate holds; a DN names the certificate's subject, which
 * signed, so it needs no check of its own. */
function idHeldBy(certificate: X509Certificate, id: Identity): boolean {
  const value = describeId(id);
  switch (id.idType) {
    case IdType.Ipv4Addr:
    case IdType.Ipv6Addr:
      return certificateHolds(certificate, { kind: 'ip', value });
    case IdType.Fqdn:
      return certificateHolds(certificate, { kind: 'dns', value });
    case IdType.UserFqdn:
      return certificateHolds(certificate, { kind: 'email', value });
    default:
      return id.idType === IdType.DerAsn1Dn;
  }
}

/** The method we proposed, as far as it fixes the gateway's signature. */
export interface ProposedSignature {
  /** its name (XAUTH-RSA, ECDSA-256, ...) */
  label: string;
  /** ECDSA (RFC 4754) rather than RSA signatures */
  ecdsa: boolean;
  /** XAuth follows (xauth-rsa, hybrid) */
  xauth: boolean;
}

/** What the profile must change when the gateway's key is not of the method's type. */
function keyTypeRemedy(gatewayEcdsa: boolean, method: ProposedSignature): string {
  if (!gatewayEcdsa) return 'connect with an RSA client key';
  return method.xauth
    ? "IKEv1 has no XAuth or hybrid method with ECDSA signatures (RFC 4754's authenticate by certificates alone): connect with authMethod certificate and an EC client key"
    : 'connect with an EC client key (P-256, P-384 or P-521)';
}

/** Checks the gateway's certificate and SIG_R; returns the gateway's name for the log. */
export function verifyGatewaySignature(
  trust: GatewayTrust,
  method: ProposedSignature,
  payloads: readonly ReceivedPayload[],
  hashR: Buffer,
  id: Identity,
): GatewayProof {
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
  const warnings: WarningEvent[] = [];
  return asEngineError(() => {
    const certificate = verifyChain(sent, trust.cas, trust.now(), {
      keyUsage: keyUsageOf,
      revocation: revocationCheck(trust, warnings),
    });
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
    const key = certificate.publicKey;
    const unusable = unusableKey(key);
    if (unusable)
      throw new EngineError(
        'certificate-unusable',
        `the gateway certificate (${name}) holds ${unusable}`,
      );
    const gatewayEcdsa = ecdsaMethod(key) !== undefined;
    if (gatewayEcdsa !== method.ecdsa)
      throw new EngineError(
        'certificate-unusable',
        `the gateway certificate (${name}) holds ${describeKey(key)}, but we proposed ${method.label}, which signs with ${method.ecdsa ? 'ECDSA' : 'RSA'} both ways: ${keyTypeRemedy(gatewayEcdsa, method)}`,
      );
    if (!hashSignatureVerifies(key, hashR, signature.data))
      throw new EngineError(
        'gateway-cert-untrusted',
        `the gateway's signature does not verify with the key of its certificate (${name})`,
      );
    return { name, warnings };
  });
}
