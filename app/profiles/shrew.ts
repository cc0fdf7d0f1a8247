// Shrew Soft VPN Client profiles (.vpn): one `type:key:value` line per setting, type s (string),
// n (number) or b (base64). Every setting is either carried over, refused naming its key, or
// listed as not carried over.
import { basename } from 'node:path';
import { DH_GROUPS, type DhGroupName, isWeakDhGroup } from '../shared/algorithms.js';
import { AUTH_METHODS as METHOD_NEEDS, type Profile } from '../shared/profile.js';
import { Secret } from '../shared/secret.js';
import { dhGroupName } from './cisco-proposals.js';
import { CERTIFICATE_GROUP } from './pcf.js';
import {
  type FieldProblem,
  type ImportedProfile,
  type ImportedSecrets,
  ProfileFileError,
  validateImported,
} from './import-result.js';
import { decodeProfileText, splitLines } from './text.js';

interface ShrewEntry {
  type: 's' | 'n' | 'b';
  value: string;
}

/** profile fields and the .vpn keys they come from (for naming validation errors) */
const SOURCE_KEYS: Partial<Record<keyof Profile, string>> = {
  gateway: 'network-host',
  gatewayPort: 'network-ike-port',
  gatewayNattPort: 'network-natt-port',
  natTraversal: 'network-natt-mode',
  group: 'ident-client-data',
  username: 'client-saved-username',
  ikeLifetimeSeconds: 'phase1-life-secs',
  ipsecLifetimeSeconds: 'phase2-life-secs',
  ipsecLifetimeKilobytes: 'phase2-life-kbytes',
  splitTunnelOverride: 'policy-list-include',
  mtu: 'network-mtu-size',
};

function parseShrew(text: string, file: string): Map<string, ShrewEntry> {
  const entries = new Map<string, ShrewEntry>();
  const problems: FieldProblem[] = [];
  splitLines(text).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const match = /^([snb]):([a-z0-9-]+):(.*)$/.exec(line);
    if (!match) {
      problems.push({
        field: `line ${index + 1}`,
        message: `expected TYPE:KEY:VALUE with TYPE s, n or b, found "${line.slice(0, 40)}"`,
      });
      return;
    }
    const [, type, key, value] = match as unknown as [string, 's' | 'n' | 'b', string, string];
    if (type === 'n' && !/^-?\d+$/.test(value))
      problems.push({ field: key, message: `expected a number, found "${value.slice(0, 40)}"` });
    entries.set(key, { type, value });
  });
  if (problems.length === 0 && !entries.has('network-host'))
    problems.push({
      field: 'network-host',
      message: "missing: expected the gateway's host name or address",
    });
  if (problems.length) throw new ProfileFileError(file, problems);
  return entries;
}

/** auth-method values: a group key with or without XAuth; certificates with XAuth or alone (the
 * client key then picks RSA or ECDSA, RFC 4754); hybrid */
const AUTH_METHODS: Record<string, Profile['authMethod']> = {
  'mutual-psk-xauth': 'xauth-psk',
  'mutual-psk': 'psk',
  'mutual-rsa-xauth': 'xauth-rsa',
  'mutual-rsa': 'certificate',
  'hybrid-rsa-xauth': 'hybrid',
};
/** the certificate files a .vpn names, and the profile field (PEM) each one is */
const CERTIFICATE_FILES = {
  'auth-server-cert': 'caFile',
  'auth-client-cert': 'certificateFile',
  'auth-client-key': 'privateKeyFile',
} as const;
const ID_TYPES: Record<string, Profile['idType']> = {
  keyid: 'key-id',
  fqdn: 'fqdn',
  ufqdn: 'user-fqdn',
  address: 'ipv4',
};
const NATT_MODES: Record<string, Profile['natTraversal']> = {
  disable: 'disabled',
  enable: 'auto',
  'force-rfc': 'force',
  'force-draft': 'force',
};
const HASHES: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
};
const ESP_HMACS: Record<string, string> = { md5: 'md5', sha1: 'sha1', 'sha2-256': 'sha256' };

/** Reads a .vpn file's bytes; `file` names it in messages, its base name the profile. */
export function importShrew(bytes: Uint8Array, file: string, now = new Date()): ImportedProfile {
  const entries = parseShrew(decodeProfileText(bytes), file);
  const problems: FieldProblem[] = [];
  const notes: FieldProblem[] = [];
  const used = new Set<string>();
  const read = (key: string): string | undefined => {
    used.add(key);
    const value = entries.get(key)?.value;
    return value === '' ? undefined : value;
  };
  const number = (key: string): number | undefined => {
    const value = read(key);
    return value === undefined ? undefined : Number(value);
  };
  const note = (field: string, message: string) => notes.push({ field, message });
  const unsupported = (field: string, what: string) =>
    problems.push({ field, message: `${what} is not supported yet` });
  const profile: Record<string, unknown> = {
    name: basename(file).replace(/\.vpn$/i, ''),
    importedFrom: { format: 'vpn', file: basename(file), at: now.toISOString() },
  };
  const set = (field: keyof Profile, value: unknown) => {
    if (value !== undefined) profile[field] = value;
  };

  read('version'); // the file format's, not a setting
  set('gateway', read('network-host'));
  set('gatewayPort', number('network-ike-port'));
  set('mtu', number('network-mtu-size'));
  const natt = read('network-natt-mode');
  if (natt !== undefined) {
    if (natt in NATT_MODES) set('natTraversal', NATT_MODES[natt]);
    else unsupported('network-natt-mode', `"${natt}" (Cisco UDP encapsulation)`);
  }
  set('gatewayNattPort', number('network-natt-port'));
  if (number('network-natt-rate') !== undefined)
    note('network-natt-rate', 'not carried over: the NAT-T keepalive interval is fixed');
  if (number('network-dpd-enable') === 0) set('dpdDelaySeconds', 0);
  // IKE fragmentation is always offered and used once the gateway announces it ("enable")
  if (read('network-frag-mode') === 'force')
    note(
      'network-frag-mode',
      'not carried over: "force" (fragments before the gateway announces IKE fragmentation); it is used once the gateway announces it',
    );

  if (number('client-addr-auto') === 0)
    unsupported('client-addr-auto', 'a fixed tunnel address (client-addr-auto 0)');
  for (const key of ['client-addr-data', 'client-netmask-data'])
    if (read(key) !== undefined) note(key, 'not carried over: the address comes from the gateway');
  readDns(read, note);
  if (number('client-banner-enable') === 0)
    note('client-banner-enable', "not carried over: the gateway's banner is always shown");
  set('username', read('client-saved-username'));

  const secrets: ImportedSecrets = {};
  const auth = read('auth-method') ?? 'mutual-psk-xauth';
  const authMethod = AUTH_METHODS[auth];
  if (authMethod) set('authMethod', authMethod);
  else unsupported('auth-method', `"${auth}" (hybrid with a group key)`);
  const ourCertificate = authMethod !== undefined && METHOD_NEEDS[authMethod].ourCertificate;
  // hybrid: the gateway's CA only; our certificate and key with our certificate
  if (authMethod === 'hybrid' || ourCertificate)
    readCertificateFiles(
      ourCertificate ? Object.keys(CERTIFICATE_FILES) : ['auth-server-cert'],
      read,
      set,
      note,
    );
  const psk = entries.get('auth-mutual-psk');
  used.add('auth-mutual-psk');
  if (psk && psk.value !== '')
    secrets.groupPsk = Secret.fromBytes(
      psk.type === 'b' ? Buffer.from(psk.value, 'base64') : Buffer.from(psk.value),
    );
  const idType = read('ident-client-type') ?? 'keyid';
  // with our certificate, our identity is its subjectAltName (app/engine/auth/signature.ts)
  const idData = read('ident-client-data');
  if (ourCertificate)
    note(
      'ident-client-type',
      `not carried over: the identity is our certificate's subjectAltName; the group is "${CERTIFICATE_GROUP}"`,
    );
  // Shrew's one address type holds an address of either family
  else if (idType === 'address' && idData?.includes(':')) set('idType', 'ipv6');
  else if (idType in ID_TYPES) set('idType', ID_TYPES[idType]);
  else unsupported('ident-client-type', `"${idType}" (a certificate subject)`);
  set('group', ourCertificate ? CERTIFICATE_GROUP : idData);
  if (profile.group === undefined)
    problems.push({ field: 'ident-client-data', message: 'missing: expected the group name' });

  const exchange = read('phase1-exchange') ?? 'aggressive';
  if (exchange === 'aggressive' || exchange === 'main') set('exchange', exchange);
  else unsupported('phase1-exchange', `"${exchange}" mode`);
  const ike = ikeProposals(read, number, problems);
  if (ike) {
    set('ikeProposals', ike.proposals);
    if (ike.legacy) set('legacy', true);
  }
  set('ikeLifetimeSeconds', number('phase1-life-secs'));
  if (number('phase1-life-kbytes'))
    note('phase1-life-kbytes', 'not carried over: IKE SAs expire by time only');

  const esp = espProposals(read, number, problems);
  if (esp) set('espProposals', esp);
  const pfs = number('phase2-pfsgroup');
  if (pfs !== undefined) {
    const group = pfs > 0 ? dhGroupName(pfs) : undefined;
    if (pfs === 0) set('pfs', 'off');
    else if (pfs === -1) set('pfs', 'auto');
    else if (group) set('pfs', group);
    else unsupported('phase2-pfsgroup', `PFS group ${pfs}`);
  }
  set('ipsecLifetimeSeconds', number('phase2-life-secs'));
  const kbytes = number('phase2-life-kbytes');
  if (kbytes) set('ipsecLifetimeKilobytes', kbytes);
  const ipcomp = read('ipcomp-transform');
  if (ipcomp !== undefined && ipcomp !== 'disabled')
    unsupported('ipcomp-transform', `compression ("${ipcomp}")`);

  if (number('policy-list-auto') === 0 || read('policy-list-include') !== undefined) {
    const networks = policyNetworks(read('policy-list-include'), 'policy-list-include', problems);
    if (networks.length) set('splitTunnelOverride', networks);
  }
  if (read('policy-list-exclude') !== undefined)
    note('policy-list-exclude', 'not carried over: excluded networks are not supported');

  for (const [key, entry] of entries)
    if (!used.has(key) && entry.value !== '')
      note(key, `not carried over: Roadwarrior has no such setting`);

  const validated = validateImported(
    file,
    profile,
    problems,
    (f) => SOURCE_KEYS[f as keyof Profile] ?? f,
  );
  return { profile: validated, secrets, notes };
}

type Read = (key: string) => string | undefined;
type ReadNumber = (key: string) => number | undefined;

/** Shrew keeps the certificates as files: an absolute path is carried over (the CA must be PEM;
 * our certificate and key PEM or PKCS#12, which Roadwarrior opens as is), anything else is named
 * for the user to convert and set. */
function readCertificateFiles(
  keys: readonly string[],
  read: Read,
  set: (field: keyof Profile, value: unknown) => void,
  note: (field: string, message: string) => void,
): void {
  for (const key of keys) {
    const field = CERTIFICATE_FILES[key as keyof typeof CERTIFICATE_FILES];
    const file = read(key);
    const formats = field === 'caFile' ? 'PEM' : 'PEM or PKCS#12';
    if (file?.startsWith('/')) {
      set(field, file);
      note(key, `carried over as ${field}: the file must be ${formats} (convert a DER file)`);
    } else
      note(
        key,
        `not carried over: set ${field} to this file as ${formats} with an absolute path${file === undefined ? '' : ` (${file})`}`,
      );
  }
}

function readDns(read: Read, note: (field: string, message: string) => void): void {
  const manual = (auto: string, ...data: string[]) => {
    if (read(auto) !== '0') return data.forEach((key) => read(key));
    for (const key of data)
      if (read(key) !== undefined)
        note(key, "not carried over: DNS settings come from the gateway's Mode Config");
  };
  read('client-dns-used');
  read('client-splitdns-used');
  manual('client-dns-auto', 'client-dns-addr');
  manual('client-dns-suffix-auto', 'client-dns-suffix');
  manual('client-splitdns-auto', 'client-splitdns-list');
}

/** phase1-cipher x phase1-hash with the one phase1-dhgroup; "auto" offers what Shrew would. */
function ikeProposals(
  read: Read,
  number: ReadNumber,
  problems: FieldProblem[],
): { proposals: string[]; legacy: boolean } | undefined {
  const ciphers = ciphersOf(
    read('phase1-cipher'),
    number('phase1-keylen'),
    'phase1-cipher',
    problems,
  );
  const hash = read('phase1-hash') ?? 'auto';
  const hashes = hash === 'auto' ? ['sha1', 'md5'] : HASHES[hash] ? [HASHES[hash]] : [];
  if (!hashes.length)
    problems.push({ field: 'phase1-hash', message: `"${hash}" is not supported yet` });
  const groupNumber = number('phase1-dhgroup');
  if (groupNumber === undefined) return undefined;
  const group: DhGroupName | undefined = dhGroupName(groupNumber);
  if (!group) {
    problems.push({
      field: 'phase1-dhgroup',
      message: `group ${groupNumber} is not supported yet: expected one of ${Object.values(DH_GROUPS).join(', ')}`,
    });
    return undefined;
  }
  return {
    proposals: ciphers.flatMap((c) => hashes.map((h) => `${c}-${h}-${group}`)),
    legacy: isWeakDhGroup(groupNumber),
  };
}

function ciphersOf(
  cipher: string | undefined,
  keyLength: number | undefined,
  field: string,
  problems: FieldProblem[],
): string[] {
  const name = (cipher ?? 'auto').replace(/^esp-/, '');
  const lengths = keyLength ? [keyLength] : [256, 128];
  if (name === 'auto') return ['aes256', 'aes128', '3des'];
  if (name === '3des') return ['3des'];
  if (name === 'aes' && lengths.every((l) => [128, 192, 256].includes(l)))
    return lengths.map((l) => `aes${l}`);
  problems.push({
    field,
    message: `"${cipher}"${keyLength ? ` with ${keyLength} bits` : ''} is not supported yet: expected aes, 3des or auto`,
  });
  return [];
}

function espProposals(
  read: Read,
  number: ReadNumber,
  problems: FieldProblem[],
): string[] | undefined {
  const transform = read('phase2-transform');
  const hmac = read('phase2-hmac');
  if ((transform ?? 'auto') === 'auto' && (hmac ?? 'auto') === 'auto') return undefined;
  const ciphers = ciphersOf(transform, number('phase2-keylen'), 'phase2-transform', problems);
  const hmacs =
    (hmac ?? 'auto') === 'auto' ? ['sha1', 'md5'] : ESP_HMACS[hmac!] ? [ESP_HMACS[hmac!]!] : [];
  if (!hmacs.length)
    problems.push({ field: 'phase2-hmac', message: `"${hmac}" is not supported yet` });
  return ciphers.flatMap((c) => hmacs.map((h) => `${c}-${h}`));
}

/** "10.1.0.0 / 255.255.0.0,192.168.5.0 / 255.255.255.0" (Shrew's form) or CIDR. */
function policyNetworks(
  list: string | undefined,
  field: string,
  problems: FieldProblem[],
): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((entry) => {
      const [address, mask] = entry.split('/').map((s) => s.trim());
      const prefix = mask?.includes('.')
        ? maskPrefix(mask)
        : mask === undefined
          ? 32
          : Number(mask);
      if (!address || prefix === undefined || !Number.isInteger(prefix)) {
        problems.push({
          field,
          message: `"${entry}" is not a network: expected ADDRESS / NETMASK`,
        });
        return [];
      }
      return [`${address}/${prefix}`];
    });
}

function maskPrefix(mask: string): number | undefined {
  const octets = mask.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
    return undefined;
  const bits = octets.map((o) => o.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}
