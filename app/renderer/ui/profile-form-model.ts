// The profile form's values (all text, as typed) and their translation to a ProfileInput,
// validated with the same ProfileSchema the service uses. Every message names its field.
import { type Profile, type ProfileInput, ProfileSchema } from '../../shared/ui/ipc.js';

export interface FormValues {
  name: string;
  gateway: string;
  backupGateways: string;
  group: string;
  username: string;
  authMethod: Profile['authMethod'];
  idType: Profile['idType'];
  exchange: Profile['exchange'];
  ikeProposals: string;
  espProposals: string;
  natTraversal: Profile['natTraversal'];
  dpdDelaySeconds: string;
  dpdRetries: string;
  pfs: Profile['pfs'];
  ikeLifetimeSeconds: string;
  ipsecLifetimeSeconds: string;
  mtu: string;
  splitTunnelOverride: string;
  script: string;
  tunName: string;
  gatewayPort: string;
  gatewayNattPort: string;
  legacy: OnOff;
  lockdown: OnOff;
}

type OnOff = 'on' | 'off';
const onOff = (value: boolean): OnOff => (value ? 'on' : 'off');

export type FieldName = keyof FormValues;
export type FieldErrors = Partial<Record<FieldName, string>>;

export const FIELD_LABELS: Record<FieldName, string> = {
  name: 'Name',
  gateway: 'Gateway',
  backupGateways: 'Backup gateways',
  group: 'Group name',
  username: 'Username',
  authMethod: 'Authentication',
  idType: 'Identity type',
  exchange: 'Phase 1 exchange',
  ikeProposals: 'IKE proposals',
  espProposals: 'ESP proposals',
  natTraversal: 'NAT traversal',
  dpdDelaySeconds: 'DPD interval',
  dpdRetries: 'DPD retries',
  pfs: 'PFS',
  ikeLifetimeSeconds: 'IKE lifetime',
  ipsecLifetimeSeconds: 'IPsec lifetime',
  mtu: 'MTU',
  splitTunnelOverride: 'Split-tunnel networks',
  script: 'Script',
  tunName: 'Interface name',
  gatewayPort: 'IKE port',
  gatewayNattPort: 'NAT-T port',
  legacy: 'Legacy algorithms',
  lockdown: 'Lockdown',
};

const NUMBER_FIELDS = [
  'dpdDelaySeconds',
  'dpdRetries',
  'ikeLifetimeSeconds',
  'ipsecLifetimeSeconds',
  'mtu',
  'gatewayPort',
  'gatewayNattPort',
] as const;
const LIST_FIELDS = [
  'backupGateways',
  'ikeProposals',
  'espProposals',
  'splitTunnelOverride',
] as const;

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);

export function valuesFromProfile(profile?: Profile): FormValues {
  const p = profile ?? ProfileSchema.parse({ name: '-', gateway: '-', group: '-' });
  const text = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    name: profile ? p.name : '',
    gateway: profile ? p.gateway : '',
    backupGateways: p.backupGateways.join('\n'),
    group: profile ? p.group : '',
    username: p.username ?? '',
    authMethod: p.authMethod,
    idType: p.idType,
    exchange: p.exchange,
    ikeProposals: p.ikeProposals.join('\n'),
    espProposals: p.espProposals.join('\n'),
    natTraversal: p.natTraversal,
    dpdDelaySeconds: text(p.dpdDelaySeconds),
    dpdRetries: text(p.dpdRetries),
    pfs: p.pfs,
    ikeLifetimeSeconds: text(p.ikeLifetimeSeconds),
    ipsecLifetimeSeconds: text(p.ipsecLifetimeSeconds),
    mtu: text(p.mtu),
    splitTunnelOverride: (p.splitTunnelOverride ?? []).join('\n'),
    script: p.script,
    tunName: p.tunName,
    gatewayPort: text(p.gatewayPort),
    gatewayNattPort: text(p.gatewayNattPort),
    legacy: onOff(p.legacy),
    lockdown: onOff(p.lockdown),
  };
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
  const label = FIELD_LABELS[field];
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
    if (!first || !(first in FIELD_LABELS)) continue;
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

/** `base`: the profile being edited; what the form does not show (its description, locked
 * fields, where it was imported from) is kept as it was. */
export function toProfileInput(values: FormValues, base?: Profile): FormResult {
  const errors: FieldErrors = {};
  const numbers: Partial<Record<(typeof NUMBER_FIELDS)[number], number>> = {};
  for (const field of NUMBER_FIELDS) {
    const text = values[field].trim();
    if (text === '') continue;
    if (!/^\d+$/.test(text)) errors[field] = `${FIELD_LABELS[field]} must be a whole number`;
    else numbers[field] = Number(text);
  }
  const lists = Object.fromEntries(LIST_FIELDS.map((f) => [f, lines(values[f])])) as Record<
    (typeof LIST_FIELDS)[number],
    string[]
  >;
  const input: ProfileInput = {
    ...(base?.description !== undefined ? { description: base.description } : {}),
    ...(base?.importedFrom ? { importedFrom: base.importedFrom } : {}),
    locked: base?.locked ?? [],
    name: values.name,
    gateway: values.gateway.trim(),
    backupGateways: lists.backupGateways,
    group: values.group,
    ...(values.username.trim() ? { username: values.username.trim() } : {}),
    authMethod: values.authMethod,
    idType: values.idType,
    exchange: values.exchange,
    ...(lists.ikeProposals.length ? { ikeProposals: lists.ikeProposals } : {}),
    ...(lists.espProposals.length ? { espProposals: lists.espProposals } : {}),
    ...(lists.splitTunnelOverride.length ? { splitTunnelOverride: lists.splitTunnelOverride } : {}),
    natTraversal: values.natTraversal,
    pfs: values.pfs,
    script: values.script.trim() || 'builtin',
    tunName: values.tunName.trim(),
    legacy: values.legacy === 'on',
    lockdown: values.lockdown === 'on',
    ...numbers,
  };
  const parsed = ProfileSchema.safeParse(input);
  if (!parsed.success) {
    const schemaErrors = errorsFromIssues(
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
    for (const [field, message] of Object.entries(schemaErrors) as [FieldName, string][])
      errors[field] ??= message;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, input };
}
