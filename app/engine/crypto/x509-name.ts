// The DER of a certificate's subject name, by the engine's addon (native/x509_name.cc, OpenSSL's
// X509 interface): node:crypto's X509Certificate gives names only as text, and a CR payload
// names its CA in DER (RFC 2408 3.10).
import type { X509Certificate } from 'node:crypto';
import { loadEngineAddon } from './engine-addon.js';
import { CertificateProblem, subjectLine } from './x509.js';

interface X509NameAddon {
  /** null for bytes that are not one DER certificate */
  subjectDer(certificateDer: Buffer): Buffer | null;
}

/** The certificate's subject Name as DER (RFC 5280 4.1.2.6). */
export function subjectNameDer(certificate: X509Certificate): Buffer {
  const addon = loadEngineAddon<X509NameAddon>(
    'x509_name',
    'Certificate requests that name our CAs need',
    'x509-name-unavailable',
  );
  const der = addon.subjectDer(certificate.raw);
  // node:crypto read the same bytes: only a broken OpenSSL would get here
  if (!der)
    throw new CertificateProblem(
      'unreadable',
      `OpenSSL cannot read the subject of ${subjectLine(certificate)}`,
    );
  return der;
}
