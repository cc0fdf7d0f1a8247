// Our certificate and private key from the profile's files, each recognised by its content, not
// its name: PEM (read by node:crypto) or PKCS#12 (opened by the engine's addon). A PKCS#12
// certificate file carries the key too, so privateKeyFile may be left out; when set, the key
// comes from it.
import type { KeyObject, X509Certificate } from 'node:crypto';
import { isPkcs12, openPkcs12 } from './pkcs12.js';
import { CertificateProblem, isPem, readCertificates, readPrivateKey } from './x509.js';

/** A file the profile names and its bytes. */
export interface ProfileFileBytes {
  file: string;
  bytes: Buffer;
}

export interface ClientCredentials {
  certificate: X509Certificate;
  /** the certificate file's other certificates (intermediate CAs) */
  chain: X509Certificate[];
  key: KeyObject;
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/;

/** PKCS#12 (true) or PEM (false); anything else is refused. */
function pkcs12Content({ file, bytes }: ProfileFileBytes): boolean {
  if (isPem(bytes)) return false;
  if (isPkcs12(bytes, file)) return true;
  throw new CertificateProblem('unreadable', `${file} is neither PEM nor PKCS#12`);
}

/** The private key of a PEM or PKCS#12 file; an encrypted one needs its passphrase
 * ('passphrase-needed' without one, 'wrong-passphrase' when it does not open the key). */
export function readClientKey(source: ProfileFileBytes, passphrase?: Uint8Array): KeyObject {
  return pkcs12Content(source)
    ? openPkcs12(source.bytes, source.file, passphrase).key
    : readPrivateKey(source.bytes, source.file, passphrase);
}

/** Our certificate (the file's first), the file's other certificates and our key, from
 * `keyFile` when the profile names one, else from the certificate file. */
export function readClientCredentials(
  certificateFile: ProfileFileBytes,
  keyFile: ProfileFileBytes | undefined,
  passphrase?: Uint8Array,
): ClientCredentials {
  const { file, bytes } = certificateFile;
  if (pkcs12Content(certificateFile)) {
    const contents = openPkcs12(bytes, file, passphrase);
    return keyFile ? { ...contents, key: readClientKey(keyFile, passphrase) } : contents;
  }
  const [certificate, ...chain] = readCertificates(bytes, file, 'certificate file');
  if (!certificate) throw new CertificateProblem('unreadable', `${file} is empty`);
  if (!keyFile && !PEM_PRIVATE_KEY.test(bytes.toString('latin1')))
    throw new CertificateProblem(
      'unreadable',
      `${file} holds a certificate without its private key: set privateKeyFile, or use a PKCS#12 file, which carries both`,
    );
  return { certificate, chain, key: readClientKey(keyFile ?? certificateFile, passphrase) };
}
