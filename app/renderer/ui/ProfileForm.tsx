// Create or edit a profile: the essentials first, the advanced settings folded away; checked
// with the service's own schema as you go, every message under the field it is about.
import { type FormEvent, useMemo, useRef, useState } from 'react';
import { IpcError } from '../../shared/ui/ipc-client.js';
import { DH_GROUPS, DH_GROUP_NAMES, type Profile, dhGroupLabel } from '../../shared/ui/ipc.js';
import { FormField } from './FormField.js';
import { ProfileSecrets } from './ProfileSecrets.js';
import {
  type FieldName,
  FIELD_LABELS,
  type FormValues,
  errorsFromIssues,
  toProfileInput,
  valuesFromProfile,
} from './profile-form-model.js';
import { useAction, useAppState, useStore } from './hooks.js';

const ADVANCED: FieldName[] = [
  'exchange',
  'idType',
  'ikeProposals',
  'espProposals',
  'natTraversal',
  'dpdDelaySeconds',
  'dpdRetries',
  'pfs',
  'ikeLifetimeSeconds',
  'ipsecLifetimeSeconds',
  'mtu',
  'splitTunnelOverride',
  'script',
  'tunName',
  'gatewayPort',
  'gatewayNattPort',
  'legacy',
];

type Options = [value: string, label: string][];

const CHOICES: Partial<Record<FieldName, Options>> = {
  authMethod: [
    ['xauth-psk', 'Group key, then username and password (XAuth)'],
    ['psk', 'Group key only'],
  ],
  exchange: [
    ['aggressive', 'Aggressive mode (Cisco-style group key)'],
    ['main', 'Main mode (identity protected)'],
  ],
  idType: [
    ['key-id', 'Key ID: the group name (Cisco style)'],
    ['fqdn', 'FQDN'],
    ['user-fqdn', 'User FQDN (e-mail style)'],
    ['ipv4', 'IPv4 address'],
  ],
  natTraversal: [
    ['force', 'Always encapsulate in UDP 4500 (works through any NAT)'],
    ['auto', 'Only when a NAT is detected'],
    ['disabled', 'Never'],
  ],
  lockdown: [
    ['off', 'Off'],
    ['on', 'On: while connecting and connected, no traffic leaves except through the tunnel'],
  ],
  legacy: [
    ['off', 'Off: AES with SHA-2 and DH group 14 or stronger only'],
    ['on', 'On: also offer 3DES, MD5, SHA-1 and DH groups 2 and 5 (old gateways)'],
  ],
  pfs: [
    ['auto', 'As the gateway asks'],
    ['off', 'Off'],
    ...DH_GROUP_NAMES.map((name): [string, string] => [
      name,
      `Group ${dhGroupLabel(DH_GROUPS[name])}`,
    ]),
  ],
};

const HINTS: Partial<Record<FieldName, string>> = {
  gateway: 'Host name or IP address of the VPN gateway',
  group: 'The group (tunnel group) name your administrator gave you',
  username: 'Optional: asked for when connecting if empty',
  backupGateways: 'Optional: tried in order when the gateway does not answer, one per line',
  ikeProposals: 'One per line, preferred first, e.g. aes256-sha256-modp2048',
  espProposals: 'One per line, preferred first, e.g. aes256gcm16 or aes128-sha1',
  dpdDelaySeconds: 'Seconds of silence before checking the gateway is alive; 0 turns it off',
  ikeLifetimeSeconds: 'Seconds',
  ipsecLifetimeSeconds: 'Seconds',
  mtu: 'Empty: computed from the chosen transform',
  splitTunnelOverride:
    'Networks to send through the tunnel instead of the gateway’s list, one per line (e.g. 10.1.0.0/16). Empty: use the gateway’s',
  script: '“builtin”, or the absolute path of a vpnc-script',
};

const TEXTAREAS = new Set<FieldName>([
  'backupGateways',
  'ikeProposals',
  'espProposals',
  'splitTunnelOverride',
]);
const NUMERIC = new Set<FieldName>([
  'dpdDelaySeconds',
  'dpdRetries',
  'ikeLifetimeSeconds',
  'ipsecLifetimeSeconds',
  'mtu',
  'gatewayPort',
  'gatewayNattPort',
]);

interface Props {
  profile?: Profile;
  onSaved: (profile: Profile) => void;
  onDeleted: () => void;
}

export function ProfileForm({ profile, onSaved, onDeleted }: Props) {
  const store = useStore();
  const [values, setValues] = useState<FormValues>(() => valuesFromProfile(profile));
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [confirmDelete, setConfirmDelete] = useState(false);
  const result = useMemo(() => toProfileInput(values, profile), [values, profile]);
  const managed = useAppState((s) => (profile ? s.managedProfiles.includes(profile.name) : false));
  // an administrator's profile is read-only; in the user's own, only its locked fields are
  const isLocked = (name: FieldName) =>
    managed || (profile?.locked ?? []).includes(name as Profile['locked'][number]);
  const [saving, setSaving] = useState<{ busy: boolean; message?: string }>({ busy: false });
  const [remove, removing] = useAction(() =>
    store.client.invoke('profiles.delete', { name: profile?.name ?? '' }),
  );
  const [duplicate, duplicating] = useAction(() =>
    store.client.invoke('profiles.duplicate', { name: profile?.name ?? '' }),
  );

  // messages appear on the first submit and then follow the typing; never on blur, where they
  // would move what the user is about to click
  const errorOf = (field: FieldName) =>
    serverErrors[field] ?? (!result.ok && submitted ? result.errors[field] : undefined);
  // the user opens and closes it; the form only opens it to show a wrong field
  const advanced = useRef<HTMLDetailsElement>(null);
  const revealAdvanced = (errors: Partial<Record<FieldName, string>>) => {
    if (advanced.current && ADVANCED.some((f) => f in errors)) advanced.current.open = true;
  };
  const failure = saving.message ?? removing.error?.message ?? duplicating.error?.message;

  const change = (field: FieldName, value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    setServerErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!result.ok) {
      revealAdvanced(result.errors);
      return;
    }
    setSaving({ busy: true });
    try {
      const saved = await store.client.invoke('profiles.save', {
        profile: result.input,
        ...(profile ? { previousName: profile.name } : {}),
      });
      setSaving({ busy: false });
      await store.refreshProfiles();
      onSaved(saved);
    } catch (error) {
      const issues = error instanceof IpcError ? error.issues : [];
      const errors = errorsFromIssues(issues);
      setServerErrors(errors);
      revealAdvanced(errors);
      setSaving({ busy: false, ...(issues.length ? {} : { message: (error as Error).message }) });
    }
  };

  const field = (name: FieldName) => {
    const choices = CHOICES[name];
    const locked = isLocked(name);
    const common = { name, value: values[name], disabled: locked };
    return (
      <FormField
        key={name}
        id={`profile-${name}`}
        label={FIELD_LABELS[name]}
        locked={locked}
        error={errorOf(name)}
        hint={locked ? 'Locked by your administrator' : HINTS[name]}
      >
        {(aria) =>
          choices ? (
            <select {...aria} {...common} onChange={(e) => change(name, e.target.value)}>
              {choices.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          ) : TEXTAREAS.has(name) ? (
            <textarea
              {...aria}
              {...common}
              rows={4}
              spellCheck={false}
              onChange={(e) => change(name, e.target.value)}
            />
          ) : (
            <input
              {...aria}
              {...common}
              type="text"
              inputMode={NUMERIC.has(name) ? 'numeric' : undefined}
              spellCheck={false}
              autoComplete="off"
              placeholder={name === 'mtu' ? 'auto' : undefined}
              onChange={(e) => change(name, e.target.value)}
            />
          )
        }
      </FormField>
    );
  };

  return (
    <form
      className="profile-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label={profile ? `Settings of ${profile.name}` : 'New profile'}
    >
      {failure && (
        <p className="alert alert-error" role="alert">
          {failure}
        </p>
      )}
      {managed && (
        <p className="alert alert-info" data-testid="managed-note">
          Managed by your administrator: read-only. “Duplicate” makes your own copy.
        </p>
      )}
      {profile?.importedFrom && (
        <p className="imported-from" data-testid="imported-from">
          Imported from {profile.importedFrom.file} on{' '}
          {new Date(profile.importedFrom.at).toLocaleString()}
        </p>
      )}
      <fieldset>
        <legend>Connection</legend>
        {(
          [
            'name',
            'gateway',
            'backupGateways',
            'group',
            'username',
            'authMethod',
            'lockdown',
          ] as const
        ).map(field)}
      </fieldset>
      {profile && <ProfileSecrets profile={profile.name} />}
      <details className="advanced" ref={advanced}>
        <summary>Advanced</summary>
        <fieldset>
          <legend>Phase 1 (IKE)</legend>
          {(['exchange', 'ikeProposals', 'legacy', 'idType', 'ikeLifetimeSeconds'] as const).map(
            field,
          )}
        </fieldset>
        <fieldset>
          <legend>Phase 2 (IPsec)</legend>
          {(['espProposals', 'pfs', 'ipsecLifetimeSeconds'] as const).map(field)}
        </fieldset>
        <fieldset>
          <legend>Network</legend>
          {(
            [
              'natTraversal',
              'dpdDelaySeconds',
              'dpdRetries',
              'mtu',
              'splitTunnelOverride',
              'script',
              'tunName',
              'gatewayPort',
              'gatewayNattPort',
            ] as const
          ).map(field)}
        </fieldset>
      </details>
      <div className="form-actions">
        {!managed && (
          <button type="submit" className="button primary" disabled={saving.busy}>
            {profile ? 'Save changes' : 'Create profile'}
          </button>
        )}
        {profile && (
          <>
            <button
              type="button"
              className="button"
              disabled={duplicating.busy}
              onClick={() =>
                void duplicate().then(
                  async (copy) => copy && (await store.refreshProfiles(), onSaved(copy)),
                )
              }
            >
              Duplicate
            </button>
            {managed ? null : confirmDelete ? (
              <span className="confirm" role="group" aria-label="Confirm deletion">
                Delete “{profile.name}” and its saved secrets?
                <button
                  type="button"
                  className="button danger"
                  onClick={() =>
                    void remove().then(
                      async (r) => r && (await store.refreshProfiles(), onDeleted()),
                    )
                  }
                >
                  Delete
                </button>
                <button type="button" className="button" onClick={() => setConfirmDelete(false)}>
                  Keep
                </button>
              </span>
            ) : (
              <button type="button" className="button" onClick={() => setConfirmDelete(true)}>
                Delete…
              </button>
            )}
          </>
        )}
      </div>
    </form>
  );
}
