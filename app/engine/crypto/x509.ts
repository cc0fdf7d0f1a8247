// X.509 for phase 1 certificate authentication, through node:crypto only (X509Certificate,
// createPrivateKey): reading PEM, checking a peer certificate's chain to configured CAs, its
// validity and key usages (the KeyUsage bits read by a function the caller passes), and whether
// it holds an identity. PKCS#12, which node:crypto cannot read, is opened by the engine's addon
// (pkcs12.ts); client-credentials.ts picks by content.
import { type KeyObject, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';

/** What is wrong with a certificate, as a stable code and a sentence for people. */
export type CertificateProblemCode =
  | 'unreadable'
  /** a PKCS#12 file without a key or certificate, or in a cipher this OpenSSL lacks */
  | 'pkcs12'
  | 'passphrase-needed'
  | 'wrong-passphrase'
  | 'key-mismatch'
  | 'untrusted'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-usage'
  /** listed in a CRL of its issuer (crl.ts) */
  | 'revoked'
  /** no current CRL of its issuer, where the profile requires one */
  | 'revocation-unknown'
  | 'identity-mismatch'
  /** the raw-ECDSA addon an EC key needs is not built */
  | 'ecdsa-unavailable'
  /** the PKCS#12 addon a file that is not PEM needs is not built */
  | 'pkcs12-unavailable'
  /** the addon that writes a CA's name into our certificate requests and reads key usages and
   * CRLs is not built */
  | 'x509-name-unavailable';

export class CertificateProblem extends Error {
  override readonly name = 'CertificateProblem';
  constructor(
    readonly code: CertificateProblemCode,
    message: string,
  ) {
    super(message);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** PKCS#8 (RFC 5958) or OpenSSL's traditional encrypted PEM */
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;
/** id-kp-serverAuth and id-kp-ipsecIKE (RFC 4945 5.1.3.12), anyExtendedKeyUsage */
const IKE_SERVER_USAGES = ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.17', '2.5.29.37.0'];
/** a chain longer than this is refused rather than walked */
const MAX_CHAIN = 8;

/** Whether a file is PEM (else, for a client certificate or key, perhaps PKCS#12). */
export function isPem(bytes: Buffer): boolean {
  return bytes.includes('-----BEGIN');
}

function notPem(what: string, file: string): CertificateProblem {
  return new CertificateProblem('unreadable', `${what} ${file} is not PEM`);
}

/** Every certificate in a PEM file (a CA bundle may hold several). */
export function readCertificates(pem: Buffer, file: string, what: string): X509Certificate[] {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE);
  if (!blocks) {
    if (!isPem(pem)) throw notPem(what, file);
    throw new CertificateProblem('unreadable', `${what} ${file} holds no PEM certificate`);
  }
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new CertificateProblem(
        'unreadable',
        `${what} ${file} holds a certificate node:crypto cannot read: ${(error as Error).message}`,
      );
    }
  });
}

/** A PEM private key; an encrypted one needs its passphrase (asked only when needed). */
export function readPrivateKey(pem: Buffer, file: string, passphrase?: Uint8Array): KeyObject {
  if (!isPem(pem)) throw notPem('private key file', file);
  if (!passphrase && ENCRYPTED_PEM.test(pem.toString('latin1')))
    throw new CertificateProblem(
      'passphrase-needed',
      `the private key in ${file} is encrypted and no passphrase was given`,
    );
  try {
    return createPrivateKey(
      passphrase ? { key: pem, format: 'pem', passphrase: Buffer.from(passphrase) } : pem,
    );
  } catch {
    throw passphrase
      ? new CertificateProblem(
          'wrong-passphrase',
          `the private key in ${file} cannot be read with the given passphrase (wrong passphrase?)`,
        )
      : new CertificateProblem('unreadable', `${file} holds no private key node:crypto can read`);
  }
}

/** Our certificate must carry the public half of our key. */
export function checkKeyPair(certificate: X509Certificate, key: KeyObject, file: string): void {
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(certificate.publicKey).equals(spki(createPublicKey(key))))
    throw new CertificateProblem(
      'key-mismatch',
      `the private key does not belong to the certificate in ${file}`,
    );
}

function checkValidity(certificate: X509Certificate, now: Date, role: string): void {
  if (now < new Date(certificate.validFrom))
    throw new CertificateProblem(
      'not-yet-valid',
      `the ${role} certificate (${subjectLine(certificate)}) is valid only from ${certificate.validFrom}: check this computer's clock`,
    );
  if (now > new Date(certificate.validTo))
    throw new CertificateProblem(
      'expired',
      `the ${role} certificate (${subjectLine(certificate)}) expired on ${certificate.validTo}`,
    );
}

export function subjectLine(certificate: X509Certificate): string {
  return certificate.subject.replace(/\n/g, ', ');
}

/** `issuer` issued `cert`: its name and its signature. */
const issued = (issuer: X509Certificate, cert: X509Certificate) =>
  cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/**
 * The CA certificates of `others` that lead up from our certificate `leaf`, its issuer first:
 * a gateway that trusts only the root needs them to build the path (RFC 2408 3.9 lets a CERT
 * payload carry any certificate of the chain). A self-signed root stays out, as does anything
 * off the path: the gateway must hold its own trust anchor.
 */
export function intermediatesOf(
  leaf: X509Certificate,
  others: readonly X509Certificate[],
): X509Certificate[] {
  const path: X509Certificate[] = [];
  let current = leaf;
  while (path.length < MAX_CHAIN) {
    const next = others.find((ca) => ca.ca && !path.includes(ca) && issued(ca, current));
    if (!next || issued(next, next)) break;
    path.push(next);
    current = next;
  }
  return path;
}

/** The bits of a certificate's KeyUsage extension (RFC 5280 4.2.1.3) that let it sign an IKE
 * exchange (RFC 4945 5.1.3.2), or sign CRLs (RFC 5280 6.3.3 (f)). */
export interface KeyUsage {
  digitalSignature: boolean;
  nonRepudiation: boolean;
  cRLSign: boolean;
}

/** A certificate's KeyUsage, undefined when it has none. node:crypto cannot read it: the caller
 * passes the engine addon's reader (x509-name.ts). */
export type KeyUsageReader = (certificate: X509Certificate) => KeyUsage | undefined;

/** What verifyChain checks through the caller, beyond node:crypto. */
export interface ChainChecks {
  keyUsage: KeyUsageReader;
  /** called for each certificate of the path with the one that issued it: throws when it is
   * revoked (crl.ts); absent without a CRL to check against */
  revocation?: ((certificate: X509Certificate, issuer: X509Certificate) => void) | undefined;
}

/**
 * The gateway's certificate (the first it sent; the others may be intermediates) must chain to
 * one of our CAs by signature, every link valid now (checkIssued also refuses an issuer whose
 * key usage lacks keyCertSign, RFC 5280 6.1.4 (n)), and may be used by an IKE server (extended
 * key usage, when present) to sign (key usage, when present: RFC 4945 5.1.3.2). Returns the
 * gateway's certificate. Each certificate of the path, once its issuer is known, goes through
 * the revocation check (RFC 5280 6.1.3 (a)(3)).
 */
export function verifyChain(
  sent: readonly X509Certificate[],
  trusted: readonly X509Certificate[],
  now: Date,
  checks: ChainChecks,
): X509Certificate {
  const [leaf, ...intermediates] = sent;
  if (!leaf) throw new CertificateProblem('untrusted', 'the gateway sent no certificate');
  const usages = leaf.keyUsage;
  if (usages && usages.length > 0 && !usages.some((u) => IKE_SERVER_USAGES.includes(u)))
    throw new CertificateProblem(
      'wrong-usage',
      `the gateway certificate (${subjectLine(leaf)}) is not for an IKE server: extended key usage ${usages.join(', ')}`,
    );
  const leafUsage = checks.keyUsage(leaf);
  if (leafUsage && !leafUsage.digitalSignature && !leafUsage.nonRepudiation)
    throw new CertificateProblem(
      'wrong-usage',
      `the gateway certificate (${subjectLine(leaf)}) may not sign: its key usage has neither digitalSignature nor nonRepudiation`,
    );
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    checkValidity(current, now, depth === 0 ? 'gateway' : 'intermediate CA');
    const anchor = trusted.find((ca) => issued(ca, current));
    if (anchor) {
      checkValidity(anchor, now, 'CA');
      checks.revocation?.(current, anchor);
      return leaf;
    }
    const next = intermediates.find((ca) => ca.ca && ca !== current && issued(ca, current));
    if (!next) break;
    checks.revocation?.(current, next);
    current = next;
  }
  throw new CertificateProblem(
    'untrusted',
    `the gateway certificate (${subjectLine(leaf)}, issued by ${current.issuer.replace(/\n/g, ', ')}) does not chain to the profile's CA`,
  );
}

/** Whether the certificate holds a name: an IPv4 or IPv6 address, a DNS name or an e-mail address
 * (subjectAltName; node:crypto falls back to the subject's CN for a DNS name without SANs). */
export function certificateHolds(
  certificate: X509Certificate,
  name: { kind: 'ip' | 'dns' | 'email'; value: string },
): boolean {
  switch (name.kind) {
    case 'ip':
      return certificate.checkIP(name.value) !== undefined;
    case 'email':
      return certificate.checkEmail(name.value, { subject: 'never' }) !== undefined;
    default:
      return certificate.checkHost(name.value) !== undefined;
  }
}

/** The name a profile expects the gateway's certificate to hold. */
export function expectedName(identity: string): { kind: 'ip' | 'dns'; value: string } {
  return isIP(identity) ? { kind: 'ip', value: identity } : { kind: 'dns', value: identity };
}

/** Our identity from our certificate's first usable subjectAltName (e-mail, DNS name or IP
 * address), as node:crypto prints them ("DNS:a, IP Address:1.2.3.4, email:b@c"). */
export function certificateIdentity(
  certificate: X509Certificate,
): { kind: 'ip' | 'dns' | 'email'; value: string } | undefined {
  for (const entry of (certificate.subjectAltName ?? '').split(', ')) {
    const colon = entry.indexOf(':');
    const [tag, value] = [entry.slice(0, colon), entry.slice(colon + 1)];
    if (tag === 'email') return { kind: 'email', value };
    if (tag === 'DNS') return { kind: 'dns', value };
    if (tag === 'IP Address' && isIP(value)) return { kind: 'ip', value };
  }
  return undefined;
}
