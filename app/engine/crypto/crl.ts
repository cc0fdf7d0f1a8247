// Revocation of the gateway's certificate chain by the CRLs (RFC 5280 5) of the profile's
// crlFile: node:crypto reads no CRL, so the engine's addon (native/x509_name.cc) reports what
// one says of a certificate, and the policy is here. A CRL counts for a certificate when it
// names the certificate's issuer, that issuer's key signed it and its key usage, if any, allows
// cRLSign (RFC 5280 6.3.3 (f), (g)).
// Listed in such a CRL, even a stale one, the certificate is revoked. Otherwise the newest one
// must still be current (its nextUpdate not passed) for the certificate to count as good; with
// none current, or none from that issuer, revocation is unknown, which the caller reports and
// does not refuse on (strongSwan's default, strict=no): an out-of-date file must not lock
// every user out. A CRL with a critical extension (a delta CRL, a partitioned one: RFC 5280
// 5.2) is not used: its scope is not the whole of its issuer's certificates.
import type { X509Certificate } from 'node:crypto';
import { loadEngineAddon } from './engine-addon.js';
import { keyUsageOf } from './x509-name.js';
import { CertificateProblem, subjectLine } from './x509.js';

/** What the addon reads of one CRL for one certificate (times in seconds since the epoch). */
interface CrlStatus {
  issuedBy: boolean;
  critical: boolean;
  thisUpdate: number;
  /** NaN without one */
  nextUpdate: number;
  listed: boolean;
  /** NaN when the certificate is not listed */
  revokedAt: number;
  /** CRLReason, -1 without one */
  reason: number;
}

interface CrlAddon {
  /** null when an argument is not exactly one DER CRL or certificate */
  crlStatus(crlDer: Buffer, certificateDer: Buffer, issuerDer: Buffer): CrlStatus | null;
}

const addon = () =>
  loadEngineAddon<CrlAddon>(
    'x509_name',
    'Checking the gateway certificate against the profile’s CRL file needs',
    'x509-name-unavailable',
  );

/** CRLReason codes (RFC 5280 5.3.1) as the message names them; 7 is not used. */
const REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'key compromise',
  2: 'CA compromise',
  3: 'affiliation changed',
  4: 'superseded',
  5: 'cessation of operation',
  6: 'certificate hold',
  8: 'remove from CRL',
  9: 'privilege withdrawn',
  10: 'AA compromise',
};

const PEM_CRL = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/g;

/** The profile's CRLs: every PEM block of the file, or the file as one DER CRL. */
export interface CrlFile {
  file: string;
  crls: Buffer[];
}

export function readCrls(bytes: Buffer, file: string): CrlFile {
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN')) return { file, crls: [bytes] };
  const crls = [...text.matchAll(PEM_CRL)].map((block) => Buffer.from(block[1]!, 'base64'));
  if (crls.length === 0)
    throw new CertificateProblem('unreadable', `CRL file ${file} holds no PEM CRL`);
  return { file, crls };
}

/** What the CRLs say of a certificate. */
export type Revocation =
  | { status: 'good' }
  | { status: 'revoked'; message: string }
  | { status: 'unknown'; message: string };

const dateOf = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The revocation status of `certificate`, which `issuer` issued, at `now`. */
export function revocationOf(
  certificate: X509Certificate,
  issuer: X509Certificate,
  { file, crls }: CrlFile,
  now: Date,
): Revocation {
  const name = `${subjectLine(certificate)}, serial ${certificate.serialNumber}`;
  if (keyUsageOf(issuer)?.cRLSign === false)
    return {
      status: 'unknown',
      message: `the key usage of ${subjectLine(issuer)} does not allow it to sign CRLs (cRLSign), so its CRLs in ${file} do not count`,
    };
  const fromIssuer = crls
    .map((crl) => {
      const status = addon().crlStatus(crl, certificate.raw, issuer.raw);
      if (!status)
        throw new CertificateProblem(
          'unreadable',
          `CRL file ${file} holds a CRL OpenSSL cannot read`,
        );
      return status;
    })
    .filter((status) => status.issuedBy);
  const usable = fromIssuer.filter((status) => !status.critical);
  const listed = usable.find((status) => status.listed);
  if (listed) {
    const reason =
      listed.reason >= 0 ? ` (${REASONS[listed.reason] ?? `reason ${listed.reason}`})` : '';
    return {
      status: 'revoked',
      message: `the certificate ${name} was revoked by ${subjectLine(issuer)}${Number.isNaN(listed.revokedAt) ? '' : ` on ${dateOf(listed.revokedAt)}`}${reason}, as the CRL file ${file} says`,
    };
  }
  const newest = usable.sort((a, b) => b.thisUpdate - a.thisUpdate)[0];
  if (!newest)
    return {
      status: 'unknown',
      message:
        fromIssuer.length === 0
          ? `the CRL file ${file} holds no CRL signed by ${subjectLine(issuer)}`
          : `the CRL file ${file} holds only delta or partitioned CRLs of ${subjectLine(issuer)}, which are not checked`,
    };
  if (newest.nextUpdate * 1000 < now.getTime())
    return {
      status: 'unknown',
      message: `the newest CRL of ${subjectLine(issuer)} in ${file} was due for renewal on ${dateOf(newest.nextUpdate)}`,
    };
  return { status: 'good' };
}
