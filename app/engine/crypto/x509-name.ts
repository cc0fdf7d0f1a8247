// What node:crypto's X509Certificate does not give, by the engine's addon (native/x509_name.cc,
// OpenSSL's X509 interface): a certificate's subject name as DER, which a CR payload names its
// CA in (RFC 2408 3.10), and its KeyUsage bits (RFC 5280 4.2.1.3), which say whether its key
// may sign (X509Certificate gives only the extended key usages).
import type { X509Certificate } from 'node:crypto';
import { loadEngineAddon } from './engine-addon.js';
import { CertificateProblem, type KeyUsage, subjectLine } from './x509.js';

interface X509NameAddon {
  /** null for bytes that are not one DER certificate */
  subjectDer(certificateDer: Buffer): Buffer | null;
  /** OpenSSL's KU_* bits; -1 without the extension; null for bytes that are not one DER
   * certificate */
  keyUsage(certificateDer: Buffer): number | null;
}

/** OpenSSL's KU_* values (openssl/x509v3.h): the extension's BIT STRING, bits 0, 1 and 6. */
const KU_DIGITAL_SIGNATURE = 0x80;
const KU_NON_REPUDIATION = 0x40;
const KU_CRL_SIGN = 0x02;

const addon = () =>
  loadEngineAddon<X509NameAddon>(
    'x509_name',
    'Naming our CAs in certificate requests and checking the key usage of certificates need',
    'x509-name-unavailable',
  );

/** The certificate's subject Name as DER (RFC 5280 4.1.2.6). */
export function subjectNameDer(certificate: X509Certificate): Buffer {
  const der = addon().subjectDer(certificate.raw);
  // node:crypto read the same bytes: only a broken OpenSSL would get here
  if (!der)
    throw new CertificateProblem(
      'unreadable',
      `OpenSSL cannot read the subject of ${subjectLine(certificate)}`,
    );
  return der;
}

/** The certificate's KeyUsage, or undefined when it has none (any use then, RFC 5280 4.2.1.3). */
export function keyUsageOf(certificate: X509Certificate): KeyUsage | undefined {
  const bits = addon().keyUsage(certificate.raw);
  // node:crypto read the same bytes: only a broken OpenSSL would get here
  if (bits === null)
    throw new CertificateProblem(
      'unreadable',
      `OpenSSL cannot read the key usage of ${subjectLine(certificate)}`,
    );
  if (bits < 0) return undefined;
  return {
    digitalSignature: (bits & KU_DIGITAL_SIGNATURE) !== 0,
    nonRepudiation: (bits & KU_NON_REPUDIATION) !== 0,
    cRLSign: (bits & KU_CRL_SIGN) !== 0,
  };
}
