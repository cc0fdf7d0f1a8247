// PKCS#12 client certificate files (RFC 7292: .p12 / .pfx, what most CAs and Windows export),
// opened by the engine's addon on Node's own OpenSSL (native/pkcs12.cc), since node:crypto cannot
// read them. The addon hands back DER, read here by node:crypto's X509Certificate and
// createPrivateKey; the key's DER is zeroed once read.
import { type KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { loadEngineAddon } from './engine-addon.js';
import { CertificateProblem } from './x509.js';

/** What the addon's errors are, set as their `code`. */
type Pkcs12Failure =
  | 'not-pkcs12'
  | 'wrong-passphrase'
  | 'unsupported'
  | 'damaged'
  | 'no-mac'
  | 'no-key'
  | 'no-certificate';

interface Pkcs12Addon {
  isPkcs12(bytes: Buffer): boolean;
  open(der: Buffer, passphrase: Buffer): { key: Buffer; certificate: Buffer; chain: Buffer[] };
}

export interface Pkcs12Contents {
  /** the certificate of the key */
  certificate: X509Certificate;
  /** the file's other certificates (its CA chain) */
  chain: X509Certificate[];
  key: KeyObject;
}

function addon(file: string): Pkcs12Addon {
  return loadEngineAddon<Pkcs12Addon>(
    'pkcs12',
    `${file} is not PEM; reading it as PKCS#12 needs`,
    'pkcs12-unavailable',
  );
}

/** Whether OpenSSL parses the bytes as PKCS#12 (by content, whatever the file is called). */
export function isPkcs12(bytes: Buffer, file: string): boolean {
  return addon(file).isPkcs12(bytes);
}

/** The re-export, through PEM (its key stays encrypted), into a PKCS#12 file in OpenSSL 3's
 * defaults: for a file in its legacy algorithms (`-legacy` to read it), or without a MAC. */
export function reexportCommand(file: string, legacy: boolean): string {
  const base = file.replace(/\.(p12|pfx)$/i, '');
  // a path the shell would split or expand goes in single quotes
  const sh = (path: string) =>
    /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
  const [input, pem, output] = [file, `${base}.pem`, `${base}-aes.p12`].map(sh);
  return `openssl pkcs12${legacy ? ' -legacy' : ''} -in ${input} -out ${pem} && openssl pkcs12 -export -in ${pem} -out ${output}`;
}

function problem(code: Pkcs12Failure, file: string, detail: string, passphrase: boolean) {
  switch (code) {
    case 'not-pkcs12':
      return new CertificateProblem('unreadable', `${file} is neither PEM nor PKCS#12 (${detail})`);
    case 'wrong-passphrase':
      return passphrase
        ? new CertificateProblem(
            'wrong-passphrase',
            `the passphrase does not open the PKCS#12 file ${file} (its integrity check fails): wrong passphrase, or a damaged file?`,
          )
        : new CertificateProblem(
            'passphrase-needed',
            `the PKCS#12 file ${file} is protected by a passphrase and none was given`,
          );
    case 'unsupported':
      return new CertificateProblem(
        'pkcs12',
        `the PKCS#12 file ${file} is protected by an algorithm this OpenSSL cannot decrypt (${detail}): older exports use RC2-40, which OpenSSL 3 keeps in its legacy provider; re-export it once with current algorithms: \`${reexportCommand(file, true)}\``,
      );
    case 'damaged':
      return new CertificateProblem(
        'pkcs12',
        `the PKCS#12 file ${file} is damaged: OpenSSL cannot read its contents (${detail})`,
      );
    case 'no-mac':
      return new CertificateProblem(
        'pkcs12',
        `the PKCS#12 file ${file} has no integrity MAC, and this OpenSSL opens a passphrase-protected one only with it: re-export it once: \`${reexportCommand(file, false)}\``,
      );
    case 'no-key':
      return new CertificateProblem(
        'pkcs12',
        `the PKCS#12 file ${file} holds no private key: export it with its key, or set privateKeyFile`,
      );
    case 'no-certificate':
      return new CertificateProblem(
        'pkcs12',
        `the PKCS#12 file ${file} holds no certificate for its private key`,
      );
  }
}

/** The key, its certificate and the chain of a PKCS#12 file. Without a passphrase the empty
 * one is tried (files exported with none); if that fails, 'passphrase-needed'. */
export function openPkcs12(bytes: Buffer, file: string, passphrase?: Uint8Array): Pkcs12Contents {
  const pass = Buffer.from(passphrase ?? []);
  let opened: ReturnType<Pkcs12Addon['open']>;
  try {
    opened = addon(file).open(bytes, pass);
  } catch (error) {
    if (error instanceof CertificateProblem) throw error;
    const { code, message } = error as Error & { code: Pkcs12Failure };
    throw problem(code, file, message, passphrase !== undefined);
  } finally {
    pass.fill(0);
  }
  try {
    return {
      key: createPrivateKey({ key: opened.key, format: 'der', type: 'pkcs8' }),
      certificate: new X509Certificate(opened.certificate),
      chain: opened.chain.map((der) => new X509Certificate(der)),
    };
  } catch (error) {
    throw new CertificateProblem(
      'unreadable',
      `the PKCS#12 file ${file} holds a key or certificate node:crypto cannot read: ${(error as Error).message}`,
    );
  } finally {
    opened.key.fill(0);
  }
}
