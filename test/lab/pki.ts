// A throwaway PKI for the certificate tests, made at test time with the openssl CLI (node:crypto
// reads and verifies certificates but cannot issue them): a lab CA, the gateway's certificate
// (SAN: its lab address and a DNS name, EKU serverAuth), alice's client certificate (SAN: her
// e-mail address), the same from an intermediate CA the lab CA issued, and a second, untrusted
// CA with a gateway certificate of the same names; and CRLs of those CAs (makeCrl).
// Keys are RSA 2048, or EC on one curve for ECDSA (RFC 4754).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_ADDRESSES } from './addresses.js';
import type { LabPki } from './options.js';

export const LAB_GATEWAY_NAME = 'gw.lab.example';
export const LAB_CLIENT_EMAIL = 'alice@lab.example';

export interface TestPki {
  dir: string;
  /** the lab CA, and the gateway's certificate and key it issued */
  lab: LabPki;
  /** alice's certificate and key (PEM, unencrypted) from the lab CA */
  clientCert: string;
  clientKey: string;
  /** alice's key encrypted with `clientKeyPassphrase` */
  clientKeyEncrypted: string;
  clientKeyPassphrase: string;
  /** alice's certificate and key from 'Lab issuing CA', an intermediate CA of the lab CA:
   * `cert` alone, and `chain`: the same certificate, then the lab CA, then the intermediate
   * (in no particular order, as files come) */
  viaIntermediate: { cert: string; chain: string; key: string };
  /** a gateway certificate and key with the same names, from another CA */
  rogue: LabPki;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The keys' algorithm: RSA, or ECDSA on an RFC 4754 curve. */
export type PkiKeys = 'rsa' | 'P-256' | 'P-384' | 'P-521';

/** `req` arguments for a new unencrypted key in `name`.key */
function newKey(keys: PkiKeys, name: string): string[] {
  const algorithm =
    keys === 'rsa'
      ? ['-newkey', 'rsa:2048']
      : ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${keys}`];
  return [...algorithm, '-nodes', '-keyout', `${name}.key`];
}

/** A CA certificate and key: `name`.pem, `name`.key; `usage`: its key usage. */
export function makeCa(
  dir: string,
  keys: PkiKeys,
  name: string,
  subject: string,
  usage = 'keyCertSign,cRLSign',
): void {
  openssl(dir, [
    'req',
    '-x509',
    ...newKey(keys, name),
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    subject,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    `keyUsage=critical,${usage}`,
  ]);
}

/** An end-entity certificate from CA `ca`: `name`.pem, `name`.key. */
export function issue(
  dir: string,
  keys: PkiKeys,
  ca: string,
  name: string,
  subject: string,
  extensions: string,
): void {
  openssl(dir, ['req', ...newKey(keys, name), '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

const gatewayExtensions = (address: string) => `subjectAltName=IP:${address},DNS:${LAB_GATEWAY_NAME}
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
`;

/** alice's certificate and key as a PKCS#12 file `out` protected by `passphrase` (`openssl pkcs12
 * -export`, OpenSSL's defaults unless `extra` arguments say otherwise, e.g. -legacy, -nomac). */
export function exportClientPkcs12(
  pki: TestPki,
  out: string,
  passphrase: string,
  extra: string[] = [],
): string {
  openssl(pki.dir, [
    'pkcs12',
    '-export',
    '-in',
    pki.clientCert,
    '-inkey',
    pki.clientKey,
    '-out',
    out,
    '-passout',
    `pass:${passphrase}`,
    ...extra,
  ]);
  return out;
}

/** `gatewayAddress`: the address the gateway certificates hold (the lab gateway's by default);
 * `keys`: every key's algorithm. */
export function makeTestPki(
  gatewayAddress: string = LAB_ADDRESSES.gateway,
  keys: PkiKeys = 'rsa',
): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'rw-pki-'));
  const path = (name: string) => join(dir, name);
  makeCa(dir, keys, 'ca', '/O=Roadwarrior lab/CN=Lab CA');
  issue(
    dir,
    keys,
    'ca',
    'gateway',
    `/O=Roadwarrior lab/CN=${LAB_GATEWAY_NAME}`,
    gatewayExtensions(gatewayAddress),
  );
  const clientExtensions = `subjectAltName=email:${LAB_CLIENT_EMAIL}\nkeyUsage=critical,digitalSignature\n`;
  issue(dir, keys, 'ca', 'client', '/O=Roadwarrior lab/CN=alice', clientExtensions);
  issue(
    dir,
    keys,
    'ca',
    'issuing-ca',
    '/O=Roadwarrior lab/CN=Lab issuing CA',
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
  );
  issue(dir, keys, 'issuing-ca', 'client-sub', '/O=Roadwarrior lab/CN=alice', clientExtensions);
  writeFileSync(
    path('client-sub-chain.pem'),
    ['client-sub.pem', 'ca.pem', 'issuing-ca.pem']
      .map((f) => readFileSync(path(f), 'latin1'))
      .join(''),
  );
  const passphrase = 'client-key-passphrase';
  openssl(dir, [
    'pkey',
    '-in',
    'client.key',
    '-aes256',
    '-passout',
    `pass:${passphrase}`,
    '-out',
    'client-encrypted.key',
  ]);
  makeCa(dir, keys, 'rogue-ca', '/O=Somebody else/CN=Other CA');
  issue(
    dir,
    keys,
    'rogue-ca',
    'rogue-gateway',
    `/O=Roadwarrior lab/CN=${LAB_GATEWAY_NAME}`,
    gatewayExtensions(gatewayAddress),
  );
  return {
    dir,
    lab: {
      caCert: path('ca.pem'),
      gatewayCert: path('gateway.pem'),
      gatewayKey: path('gateway.key'),
    },
    clientCert: path('client.pem'),
    clientKey: path('client.key'),
    clientKeyEncrypted: path('client-encrypted.key'),
    clientKeyPassphrase: passphrase,
    viaIntermediate: {
      cert: path('client-sub.pem'),
      chain: path('client-sub-chain.pem'),
      key: path('client-sub.key'),
    },
    rogue: {
      caCert: path('rogue-ca.pem'),
      gatewayCert: path('rogue-gateway.pem'),
      gatewayKey: path('rogue-gateway.key'),
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CrlOptions {
  /** the CA that signs it, by its files' name in the PKI's directory: 'ca' (the lab CA, the
   * default), 'issuing-ca' (its intermediate), 'rogue-ca' (the other CA) */
  ca?: string;
  /** certificates (paths) it lists as revoked, for key compromise */
  revoked?: string[];
  /** its thisUpdate and nextUpdate (YYYYMMDDHHMMSSZ); default: now and a day from now */
  lastUpdate?: string;
  nextUpdate?: string;
  /** a delta CRL (RFC 5280 5.2.4): the critical delta CRL indicator */
  delta?: boolean;
}

/** A CRL (RFC 5280 5) in PEM at `out`, made by `openssl ca -gencrl` with a database of its own. */
export function makeCrl(pki: TestPki, out: string, options: CrlOptions = {}): string {
  const db = mkdtempSync(join(pki.dir, 'crl-db-'));
  const ca = options.ca ?? 'ca';
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'crlnumber'), '01\n');
  writeFileSync(
    join(db, 'ca.cnf'),
    `[ca]\ndefault_ca = lab\n[lab]\ndatabase = ${db}/index.txt\ncrlnumber = ${db}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\n${options.delta ? 'crl_extensions = delta\n[delta]\ndeltaCRL = critical,DER:02:01:01\n' : ''}`,
  );
  const signer = ['-config', join(db, 'ca.cnf'), '-keyfile', `${ca}.key`, '-cert', `${ca}.pem`];
  for (const certificate of options.revoked ?? [])
    openssl(pki.dir, ['ca', ...signer, '-revoke', certificate, '-crl_reason', 'keyCompromise']);
  openssl(pki.dir, [
    'ca',
    ...signer,
    '-gencrl',
    '-out',
    out,
    ...(options.lastUpdate ? ['-crl_lastupdate', options.lastUpdate] : []),
    ...(options.nextUpdate ? ['-crl_nextupdate', options.nextUpdate] : []),
  ]);
  return out;
}
