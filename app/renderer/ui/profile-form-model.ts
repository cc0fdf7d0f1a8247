// The profile form's fields, declared once: how each is labelled, shown and edited. What a
// field accepts, its choices and its default come from ProfileSchema (app/shared/profile.ts) and
// the DH groups from app/shared/algorithms.ts; this table adds only the words. The form's values
// are text as typed, turned into a ProfileInput and validated with the same schema the service
// uses. Every message names its field.
import {
  DH_GROUPS,
  DH_GROUP_NAMES,
  type Profile,
  type ProfileInput,
  ProfileSchema,
  dhGroupLabel,
} from '../../shared/ui/ipc.js';

export type Section = 'connection' | 'phase1' | 'phase2' | 'network';
export const SECTION_TITLES: Record<Section, string> = {
  connection: 'Connection',
  phase1: 'Phase 1 (IKE)',
  phase2: 'Phase 2 (IPsec)',
  network: 'Network',
};

export type Choice = [value: string, label: string];

interface FieldSpec {
  label: string;
  section: Section;
  /** text: one line; number: a whole number; list: one entry per line; choice: one of
   * `choices`; switch: a yes/no setting shown as off/on choices */
  kind: 'text' | 'number' | 'list' | 'choice' | 'switch';
  choices?: Choice[];
  hint?: string;
  placeholder?: string;
}

const shape = ProfileSchema.shape;

/** The schema's values in its order, each in the words people read (else its own name). */
function choices<V extends string>(values: readonly V[], words: Partial<Record<V, string>>) {
  return values.map((value): Choice => [value, words[value] ?? value]);
}

const onOff = (off: string, on: string): Choice[] => [
  ['off', off],
  ['on', on],
];

/** In the order the form shows them, section by section. */
export const PROFILE_FIELDS = {
  name: { label: 'Name', section: 'connection', kind: 'text' },
  gateway: {
    label: 'Gateway',
    section: 'connection',
    kind: 'text',
    hint: 'Host name, IPv4 or IPv6 address of the VPN gateway (a name with both connects over IPv4)',
  },
  backupGateways: {
    label: 'Backup gateways',
    section: 'connection',
    kind: 'list',
    hint: 'Optional: tried in order when the gateway does not answer, one per line',
  },
  group: {
    label: 'Group name',
    section: 'connection',
    kind: 'text',
    hint: 'The group (tunnel group) name your administrator gave you',
  },
  username: {
    label: 'Username',
    section: 'connection',
    kind: 'text',
    hint: 'Optional: asked for when connecting if empty',
  },
  tokenCode: {
    label: 'Password type',
    section: 'connection',
    kind: 'switch',
    choices: onOff(
      'A static password: kept while connected, for reconnects',
      'A one-time token code: asked for at every connect, reconnect and re-authentication',
    ),
  },
  authMethod: {
    label: 'Authentication',
    section: 'connection',
    kind: 'choice',
    choices: choices(shape.authMethod.unwrap().options, {
      'xauth-psk': 'Group key, then username and password (XAuth)',
      psk: 'Group key only',
      'xauth-rsa': 'Certificate, then username and password (XAuth; main mode)',
      certificate: 'Certificates only, no XAuth (RSA, or ECDSA with an EC key)',
      hybrid: 'Gateway certificate, then username and password (hybrid; main mode)',
    }),
  },
  certificateFile: {
    label: 'Client certificate',
    section: 'connection',
    kind: 'text',
    hint: 'With certificate authentication: absolute path of your certificate, PEM or PKCS#12 (.p12/.pfx, which carries the key too)',
  },
  privateKeyFile: {
    label: 'Client key',
    section: 'connection',
    kind: 'text',
    hint: 'Absolute path of your certificate’s private key (PEM; asked for its passphrase if encrypted); leave empty for a PKCS#12 certificate file',
  },
  caFile: {
    label: 'CA certificate',
    section: 'connection',
    kind: 'text',
    hint: 'With certificate or hybrid authentication: absolute path of the CA that issued the gateway’s certificate (PEM)',
  },
  crlFile: {
    label: 'CRL file',
    section: 'connection',
    kind: 'text',
    hint: 'Optional: absolute path of your administrator’s CRLs (PEM, or one DER CRL); a revoked gateway certificate is then refused',
  },
  crlRequired: {
    label: 'Without a current CRL',
    section: 'connection',
    kind: 'switch',
    choices: onOff(
      'Connect, with a warning',
      'Refuse the gateway: its certificate must be covered by a current CRL of the CRL file',
    ),
  },
  gatewayId: {
    label: 'Gateway identity',
    section: 'connection',
    kind: 'text',
    hint: 'Optional: the name the gateway’s certificate must hold; empty: the gateway address',
  },
  lockdown: {
    label: 'Lockdown',
    section: 'connection',
    kind: 'switch',
    choices: onOff(
      'Off',
      'On: while connecting and connected, no traffic leaves except through the tunnel',
    ),
  },
  exchange: {
    label: 'Phase 1 exchange',
    section: 'phase1',
    kind: 'choice',
    choices: choices(shape.exchange.unwrap().options, {
      aggressive: 'Aggressive mode (Cisco-style group key)',
      main: 'Main mode (identity protected)',
    }),
  },
  modeConfig: {
    label: 'Mode Config',
    section: 'phase1',
    kind: 'choice',
    choices: choices(shape.modeConfig.unwrap().options, {
      pull: 'Ask the gateway (a configuration it pushes is taken too)',
      push: 'Wait for the gateway to push it',
    }),
  },
  ikeProposals: {
    label: 'IKE proposals',
    section: 'phase1',
    kind: 'list',
    hint: 'One per line, preferred first, e.g. aes256-sha256-modp2048',
  },
  legacy: {
    label: 'Legacy algorithms',
    section: 'phase1',
    kind: 'switch',
    choices: onOff(
      'Off: AES with SHA-2 and DH group 14 or stronger only',
      'On: also offer 3DES, MD5, SHA-1 and DH groups 2 and 5 (old gateways)',
    ),
  },
  idType: {
    label: 'Identity type',
    section: 'phase1',
    kind: 'choice',
    choices: choices(shape.idType.unwrap().options, {
      'key-id': 'Key ID: the group name (Cisco style)',
      fqdn: 'FQDN',
      'user-fqdn': 'User FQDN (e-mail style)',
      ipv4: 'IPv4 address',
      ipv6: 'IPv6 address',
    }),
  },
  ikeLifetimeSeconds: { label: 'IKE lifetime', section: 'phase1', kind: 'number', hint: 'Seconds' },
  espProposals: {
    label: 'ESP proposals',
    section: 'phase2',
    kind: 'list',
    hint: 'One per line, preferred first, e.g. aes256gcm16 or aes128-sha1',
  },
  pfs: {
    label: 'PFS',
    section: 'phase2',
    kind: 'choice',
    choices: choices(shape.pfs.unwrap().options, {
      auto: 'As the gateway asks',
      off: 'Off',
      ...Object.fromEntries(
        DH_GROUP_NAMES.map((name) => [name, `Group ${dhGroupLabel(DH_GROUPS[name])}`]),
      ),
    }),
  },
  ipsecLifetimeSeconds: {
    label: 'IPsec lifetime',
    section: 'phase2',
    kind: 'number',
    hint: 'Seconds',
  },
  natTraversal: {
    label: 'NAT traversal',
    section: 'network',
    kind: 'choice',
    choices: choices(shape.natTraversal.unwrap().options, {
      force: 'Always encapsulate in UDP 4500 (works through any NAT)',
      auto: 'Only when a NAT is detected',
      disabled: 'Never',
    }),
  },
  dpdDelaySeconds: {
    label: 'DPD interval',
    section: 'network',
    kind: 'number',
    hint: 'Seconds of silence before checking the gateway is alive; 0 turns it off',
  },
  dpdRetries: { label: 'DPD retries', section: 'network', kind: 'number' },
  mtu: {
    label: 'MTU',
    section: 'network',
    kind: 'number',
    hint: 'Empty: computed from the chosen transform',
    placeholder: 'auto',
  },
  ipv6: {
    label: 'IPv6 in the tunnel',
    section: 'network',
    kind: 'choice',
    choices: choices(shape.ipv6.unwrap().options, {
      auto: 'When the gateway assigns an IPv6 address',
      off: 'Off: IPv4 only (a full tunnel blocks IPv6 beside it)',
    }),
  },
  splitTunnelOverride: {
    label: 'Split-tunnel networks',
    section: 'network',
    kind: 'list',
    hint: 'Networks to send through the tunnel instead of the gateway’s list, one per line (e.g. 10.1.0.0/16). Empty: use the gateway’s',
  },
  script: {
    label: 'Script',
    section: 'network',
    kind: 'text',
    hint: '“builtin”, or the absolute path of a vpnc-script',
  },
  tunName: { label: 'Interface name', section: 'network', kind: 'text' },
  gatewayPort: { label: 'IKE port', section: 'network', kind: 'number' },
  gatewayNattPort: { label: 'NAT-T port', section: 'network', kind: 'number' },
} satisfies Partial<Record<keyof Profile, FieldSpec>>;

export type FieldName = keyof typeof PROFILE_FIELDS;
export type FormValues = Record<FieldName, string>;
export type FieldErrors = Partial<Record<FieldName, string>>;

export const FIELD_NAMES = Object.keys(PROFILE_FIELDS) as FieldName[];
export const fieldSpec = (name: FieldName): FieldSpec => PROFILE_FIELDS[name];

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);

/** The form's text for a profile's value (a new profile: the schema's default, else empty). */
function textOf(name: FieldName, value: unknown): string {
  if (value === undefined) return '';
  switch (fieldSpec(name).kind) {
    case 'list':
      return (value as string[]).join('\n');
    case 'switch':
      return value ? 'on' : 'off';
    default:
      return String(value);
  }
}

export function valuesFromProfile(profile?: Profile): FormValues {
  const valueOf = (name: FieldName): unknown => {
    if (profile) return profile[name];
    const fallback = shape[name].safeParse(undefined);
    return fallback.success ? fallback.data : undefined;
  };
  return Object.fromEntries(
    FIELD_NAMES.map((name) => [name, textOf(name, valueOf(name))]),
  ) as FormValues;
}

/** Zod's "Too small: expected number to be >=576" becomes "must be at least 576". */
export function plainMessage(message: string): string {
  return message
    .replace(/^Too small: expected number to be >=(\S+)$/, 'must be at least $1')
    .replace(/^Too big: expected number to be <=(\S+)$/, 'must be at most $1')
    .replace(/^Too small: expected array to have >=1 items?$/, 'needs at least one entry')
    .replace(
      /^Too big: expected string to have <=(\d+) characters$/,
      'must be at most $1 characters',
    )
    .replace(/^Invalid option: expected one of .*$/, 'is not one of the choices');
}

/** "MTU must be at least 576"; a message that already names its field stays as it is */
function fieldMessage(field: FieldName, message: string, item?: number): string {
  const label = fieldSpec(field).label;
  const plain = plainMessage(message);
  let body: string;
  if (plain.toLowerCase().startsWith(label.toLowerCase().split(' ')[0] ?? label)) {
    body = plain.charAt(0).toUpperCase() + plain.slice(1);
  } else if (/^(must|needs|is) /.test(plain)) body = `${label} ${plain}`;
  else body = `${label}: ${plain}`;
  return item === undefined ? body : `${body} (line ${item + 1})`;
}

/** Issues from the schema or the service ("profile.mtu") mapped to form fields. */
export function errorsFromIssues(issues: { path: string; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const [first, second] = issue.path.replace(/^profile\./, '').split('.');
    if (!first || !(first in PROFILE_FIELDS)) continue;
    const field = first as FieldName;
    errors[field] ??= fieldMessage(
      field,
      issue.message,
      second === undefined ? undefined : Number(second),
    );
  }
  return errors;
}

export type FormResult = { ok: true; input: ProfileInput } | { ok: false; errors: FieldErrors };

/** The profile's value for a field's text; undefined leaves it to the schema's default. */
function valueOf(name: FieldName, text: string): unknown {
  const spec = fieldSpec(name);
  const trimmed = text.trim();
  switch (spec.kind) {
    case 'list':
      return lines(text).length ? lines(text) : undefined;
    case 'switch':
      return text === 'on';
    case 'choice':
      return text;
    case 'number':
      return trimmed === '' ? undefined : Number(trimmed);
    case 'text':
      // an empty field the schema requires stays empty, for its "is required"
      return trimmed === '' && shape[name].safeParse(undefined).success ? undefined : trimmed;
  }
}

/** `base`: the profile being edited; what the form does not show (its description, locked
 * fields, where it was imported from) is kept as it was. */
export function toProfileInput(values: FormValues, base?: Profile): FormResult {
  const errors: FieldErrors = {};
  const input: Record<string, unknown> = { ...base };
  for (const name of FIELD_NAMES) {
    const { kind, label } = fieldSpec(name);
    if (kind === 'number' && !/^\d*$/.test(values[name].trim()))
      errors[name] = `${label} must be a whole number`;
    else input[name] = valueOf(name, values[name]);
  }
  const parsed = ProfileSchema.safeParse(input);
  if (!parsed.success) {
    const schemaErrors = errorsFromIssues(
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
    for (const [field, message] of Object.entries(schemaErrors) as [FieldName, string][])
      errors[field] ??= message;
  }
  return Object.keys(errors).length || !parsed.success
    ? { ok: false, errors }
    : { ok: true, input: parsed.data };
}
