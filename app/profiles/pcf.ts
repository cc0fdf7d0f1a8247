// Cisco VPN Client profiles (.pcf): an INI file with one [main] section. A key written with a
// leading `!` is one the user may not change: it becomes a locked field. Keys are matched
// without regard to case, as the Cisco client does.
import { basename } from 'node:path';
import {
  type AuthMethodName,
  type LockableField,
  type Profile,
  AUTH_METHODS,
  DEFAULT_IKE_PROPOSALS,
  DPD_DEFAULTS,
  LockableFieldSchema,
  ProfileSchema,
  dpdDelayForGiveUp,
  dpdGiveUpSeconds,
} from '../shared/profile.js';
import { DH_GROUPS } from '../shared/algorithms.js';
import { Secret } from '../shared/secret.js';
import { ciscoIkeProposals, dhGroupName, needsLegacy, proposalGroup } from './cisco-proposals.js';
import {
  type FieldProblem,
  type ImportedProfile,
  type ImportedSecrets,
  ProfileFileError,
  validateImported,
} from './import-result.js';
import { PcfPasswordError, decodePcfPassword, encodePcfPassword } from './pcf-password.js';
import { decodeProfileText, encodeProfileText, splitLines } from './text.js';

interface PcfEntry {
  key: string;
  value: string;
  locked: boolean;
}

/** profile fields and the .pcf keys they come from (for locks and for naming errors) */
const FIELD_KEYS: Partial<Record<LockableField, string[]>> = {
  description: ['Description'],
  gateway: ['Host'],
  authMethod: ['AuthType'],
  group: ['GroupName'],
  username: ['Username'],
  backupGateways: ['EnableBackup', 'BackupServer'],
  natTraversal: ['EnableNat'],
  ikeProposals: ['DHGroup'],
  legacy: ['DHGroup'],
  dpdDelaySeconds: ['PeerTimeout'],
};

/** AuthType values of the Cisco client: 1 group key, 3 certificate (RSA signatures), 5 hybrid
 * ("mutual group authentication"); each with XAuth. */
const AUTH_TYPES: Record<string, AuthMethodName> = {
  '1': 'xauth-psk',
  '3': 'xauth-rsa',
  '5': 'hybrid',
};

/** the group name of a certificate profile whose gateway takes the group from the certificate */
export const CERTIFICATE_GROUP = 'from certificate';

/** PeerTimeout is how long the Cisco client waits on a silent gateway (90 s by default): an
 * import keeps that total with the default number of probes. */
const DPD_RETRIES = DPD_DEFAULTS.retries;
/** the longest DPD delay (3600 s) with DPD_RETRIES probes */
const MAX_PEER_TIMEOUT = dpdGiveUpSeconds(3600, DPD_RETRIES);

function parsePcf(
  text: string,
  file: string,
): { entries: Map<string, PcfEntry>; notes: FieldProblem[] } {
  const entries = new Map<string, PcfEntry>();
  const notes: FieldProblem[] = [];
  const problems: FieldProblem[] = [];
  let section: string | undefined;
  let sawMain = false;
  splitLines(text).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      sawMain ||= section === 'main';
      return;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) {
      problems.push({
        field: `line ${index + 1}`,
        message: `expected KEY=VALUE, found "${line.slice(0, 40)}"`,
      });
      return;
    }
    const locked = line.startsWith('!');
    const key = line.slice(locked ? 1 : 0, equals).trim();
    const value = line.slice(equals + 1).trim();
    if (section !== 'main') {
      if (value !== '')
        notes.push({ field: key, message: `not carried over: outside the [main] section` });
      return;
    }
    const id = key.toLowerCase();
    if (entries.has(id))
      notes.push({ field: key, message: 'appears more than once: the last value is used' });
    entries.set(id, { key, value, locked });
  });
  if (!sawMain && problems.length === 0)
    problems.push({
      field: '[main]',
      message: 'missing: expected a Cisco VPN Client profile with a [main] section',
    });
  if (problems.length) throw new ProfileFileError(file, problems);
  return { entries, notes };
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return value !== '0';
}

/** Reads a .pcf file's bytes; `file` names it in messages, its base name the profile. */
export function importPcf(bytes: Uint8Array, file: string, now = new Date()): ImportedProfile {
  const { entries, notes } = parsePcf(decodeProfileText(bytes), file);
  const problems: FieldProblem[] = [];
  const used = new Set<string>();
  const read = (key: string): string | undefined => {
    used.add(key.toLowerCase());
    const value = entries.get(key.toLowerCase())?.value;
    return value === '' ? undefined : value;
  };
  const note = (field: string, message: string) => notes.push({ field, message });
  const profile: Record<string, unknown> = {
    name: basename(file).replace(/\.pcf$/i, ''),
    importedFrom: { format: 'pcf', file: basename(file), at: now.toISOString() },
  };
  const set = (field: keyof Profile, value: unknown) => {
    if (value !== undefined) profile[field] = value;
  };

  set('description', read('Description'));
  set('gateway', read('Host'));
  if (profile.gateway === undefined)
    problems.push({
      field: 'Host',
      message: "missing: expected the gateway's host name or address",
    });
  const authType = read('AuthType') ?? '1';
  const authMethod = AUTH_TYPES[authType];
  set('group', read('GroupName'));
  // with certificates (AuthType 3) the gateway takes the group from the certificate's OU, as
  // Roadwarrior's ID comes from the certificate: the profile's group is a name only
  if (profile.group === undefined && authMethod === 'xauth-rsa') {
    set('group', CERTIFICATE_GROUP);
    note(
      'GroupName',
      `empty: the gateway takes the group from the certificate (group "${CERTIFICATE_GROUP}")`,
    );
  } else if (profile.group === undefined)
    problems.push({ field: 'GroupName', message: 'missing: expected the IPsec group name' });
  set('username', read('Username'));

  if (!authMethod)
    problems.push({
      field: 'AuthType',
      message: `unknown value "${authType}": expected 1 (group key), 3 (certificate) or 5 (hybrid)`,
    });
  else if (authMethod !== 'xauth-psk') {
    set('authMethod', authMethod);
    // the Cisco client authenticates with certificates in main mode
    set('exchange', 'main');
    note(
      'AuthType',
      `${authMethod === 'hybrid' ? 'hybrid' : 'certificate'} authentication: set caFile, the CA of the gateway's certificate${authMethod === 'xauth-rsa' ? ', and certificateFile (a PKCS#12 file, which carries the key, or PEM with privateKeyFile)' : ''} in the profile`,
    );
  }
  const certName = read('CertName');
  if (certName !== undefined)
    note(
      'CertName',
      `"${certName}" is in the Cisco client's certificate store: export it with its key as PKCS#12 (.p12/.pfx) and set certificateFile to that file (its passphrase is asked when connecting)`,
    );

  const secrets: ImportedSecrets = {};
  const secretFrom = (plainKey: string, encodedKey: string): Secret | undefined => {
    const plain = read(plainKey);
    const encoded = read(encodedKey);
    if (plain !== undefined) {
      if (encoded !== undefined) note(encodedKey, `not used: ${plainKey} is set too and wins`);
      return Secret.fromString(plain);
    }
    if (encoded === undefined) return undefined;
    try {
      return Secret.fromString(decodePcfPassword(encoded));
    } catch (error) {
      if (!(error instanceof PcfPasswordError)) throw error;
      problems.push({ field: encodedKey, message: error.message });
      return undefined;
    }
  };
  const groupPsk = secretFrom('GroupPwd', 'enc_GroupPwd');
  if (groupPsk) secrets.groupPsk = groupPsk;
  const password = secretFrom('UserPassword', 'enc_UserPassword');
  if (password) secrets.xauthPassword = password;
  read('SaveUserPassword');

  const backups = (read('BackupServer') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (flag(read('EnableBackup'))) set('backupGateways', backups);
  else if (backups.length) note('BackupServer', 'not carried over: EnableBackup is not 1');

  const nat = flag(read('EnableNat'));
  if (nat !== undefined) set('natTraversal', nat ? 'force' : 'disabled');
  if (read('TunnelingMode') === '1')
    note(
      'TunnelingMode',
      'not carried over: IPsec over TCP is not supported; NAT-T (UDP 4500) is used',
    );
  const tcpPort = read('TcpTunnelingPort');
  if (tcpPort !== undefined && tcpPort !== '10000')
    note('TcpTunnelingPort', 'not carried over: IPsec over TCP is not supported');

  const dhGroup = read('DHGroup');
  if (dhGroup !== undefined) {
    const group = /^\d+$/.test(dhGroup) ? dhGroupName(Number(dhGroup)) : undefined;
    if (group) {
      set('ikeProposals', ciscoIkeProposals(group));
      if (needsLegacy(group)) set('legacy', true);
    } else
      note(
        'DHGroup',
        `not carried over: group "${dhGroup}" is not supported (2, 5, 14 are); the default proposals are used`,
      );
  }

  const peerTimeout = read('PeerTimeout');
  if (peerTimeout !== undefined) {
    const seconds = /^\d+$/.test(peerTimeout) ? Number(peerTimeout) : NaN;
    if (seconds <= MAX_PEER_TIMEOUT)
      set('dpdDelaySeconds', dpdDelayForGiveUp(seconds, DPD_RETRIES));
    else
      problems.push({
        field: 'PeerTimeout',
        message: `expected 0 to ${MAX_PEER_TIMEOUT} seconds, found "${peerTimeout}"`,
      });
  }
  if (flag(read('ForceKeepAlives')))
    note('ForceKeepAlives', 'not carried over: NAT-T keepalives are sent whenever NAT-T is used');
  if (flag(read('EnableLocalLAN')))
    note('EnableLocalLAN', 'not carried over: local LAN access follows the split-tunnel networks');
  if (flag(read('EnableSplitDNS')) === false)
    note('EnableSplitDNS', "not carried over: the gateway's split DNS is always used");
  if (read('NTDomain') !== undefined)
    note('NTDomain', 'not carried over: Windows domain logon is not supported');

  const locked = new Set<LockableField>();
  for (const entry of entries.values()) {
    const id = entry.key.toLowerCase();
    const fields = (Object.keys(FIELD_KEYS) as LockableField[]).filter((f) =>
      FIELD_KEYS[f]!.some((k) => k.toLowerCase() === id),
    );
    if (entry.locked) {
      if (fields.length) fields.forEach((f) => locked.add(f));
      else note(`!${entry.key}`, 'the lock is not carried over: no matching setting');
    }
    // an empty or 0 value leaves a Cisco feature unset or off: there is nothing to carry over
    if (!used.has(id) && entry.value !== '' && entry.value !== '0')
      note(
        entry.key,
        `not carried over: Roadwarrior has no such setting (value "${entry.value.slice(0, 40)}")`,
      );
  }
  if (locked.size)
    set(
      'locked',
      LockableFieldSchema.options.filter((f) => locked.has(f)),
    );

  const validated = validateImported(
    file,
    profile,
    problems,
    (f) => FIELD_KEYS[f as LockableField]?.at(-1) ?? f,
  );
  return { profile: validated, secrets, notes };
}

export interface PcfExport {
  bytes: Buffer;
  /** what the .pcf cannot hold, one line per field; and the reversible-secret warning */
  warnings: FieldProblem[];
}

/** Settings the .pcf format has no key for, compared against their defaults. */
/** What a .pcf holds (or warns about itself); any other field that differs from its default is
 * listed as not exported, so a setting added to the profile later is never dropped silently. */
const IN_PCF = new Set<string>([
  ...Object.keys(FIELD_KEYS),
  'name',
  'version',
  'locked',
  'importedFrom',
]);

export function exportPcf(profile: Profile, secrets: ImportedSecrets = {}): PcfExport {
  const warnings: FieldProblem[] = [];
  const defaults = ProfileSchema.parse({ name: profile.name, gateway: 'x', group: 'x' });
  for (const field of Object.keys(profile) as (keyof Profile)[])
    if (!IN_PCF.has(field) && JSON.stringify(profile[field]) !== JSON.stringify(defaults[field]))
      warnings.push({ field, message: 'not exported: a .pcf has no such setting' });
  const exact = Object.keys(AUTH_TYPES).find((t) => AUTH_TYPES[t] === profile.authMethod);
  // a method without XAuth goes as its XAuth twin: same credentials, and the Cisco client
  // always does XAuth after phase 1
  const authType = exact ?? (AUTH_METHODS[profile.authMethod].ourCertificate ? '3' : '1');
  if (!exact)
    warnings.push({
      field: 'authMethod',
      message: `exported as AuthType=${authType} (${authType === '3' ? 'certificate' : 'group key'}): the Cisco client always does XAuth after it`,
    });

  const lines: string[] = ['[main]'];
  const lockedKeys = new Set(
    profile.locked.flatMap((f) => FIELD_KEYS[f]?.map((k) => k.toLowerCase()) ?? []),
  );
  for (const field of profile.locked)
    if (!FIELD_KEYS[field])
      warnings.push({ field, message: 'exported unlocked: a .pcf cannot lock this setting' });
  const put = (key: string, value: string) =>
    lines.push(`${lockedKeys.has(key.toLowerCase()) ? '!' : ''}${key}=${value}`);

  if (profile.description !== undefined) put('Description', profile.description);
  put('Host', profile.gateway);
  put('AuthType', authType);
  put('GroupName', profile.group);
  if (secrets.groupPsk) {
    put('enc_GroupPwd', encodePcfPassword(secrets.groupPsk.revealString()));
    warnings.push({
      field: 'enc_GroupPwd',
      message: 'holds the group key: its encoding is reversible by anyone who has the file',
    });
  }
  if (profile.username !== undefined) put('Username', profile.username);
  put('EnableBackup', profile.backupGateways.length ? '1' : '0');
  put('BackupServer', profile.backupGateways.join(','));
  if (profile.natTraversal === 'auto')
    warnings.push({ field: 'natTraversal', message: 'exported as EnableNat=1 (NAT-T always)' });
  put('EnableNat', profile.natTraversal === 'disabled' ? '0' : '1');
  put('TunnelingMode', '0');
  const dhGroup = pcfDhGroup(profile, warnings);
  if (dhGroup !== undefined) put('DHGroup', String(dhGroup));
  const group = dhGroup === undefined ? undefined : dhGroupName(dhGroup);
  if (profile.legacy !== (group !== undefined && needsLegacy(group)))
    warnings.push({ field: 'legacy', message: 'not exported: a .pcf has no such setting' });
  put('PeerTimeout', String(dpdGiveUpSeconds(profile.dpdDelaySeconds, profile.dpdRetries)));
  return { bytes: encodeProfileText(`${lines.join('\r\n')}\r\n`), warnings };
}

/** The one DHGroup a .pcf can say; undefined when the profile keeps the default proposals. */
function pcfDhGroup(profile: Profile, warnings: FieldProblem[]): number | undefined {
  const proposals = profile.ikeProposals;
  if (JSON.stringify(proposals) === JSON.stringify(DEFAULT_IKE_PROPOSALS)) return undefined;
  const group = proposalGroup(proposals[0]!);
  const cisco = group ? ciscoIkeProposals(group) : [];
  if (JSON.stringify(cisco) !== JSON.stringify(proposals))
    warnings.push({
      field: 'ikeProposals',
      message: `exported as DHGroup only: the Cisco client picks its own ciphers (${proposals.join(', ')})`,
    });
  return group ? DH_GROUPS[group] : undefined;
}
