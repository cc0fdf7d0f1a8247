// Create or edit a profile: the essentials first, the advanced settings folded away; checked
// with the service's own schema as you go, every message under the field it is about.
import { type FormEvent, useMemo, useRef, useState } from 'react';
import { IpcError } from '../../shared/ui/ipc-client.js';
import { type Profile, clientKeyFile } from '../../shared/ui/ipc.js';
import { FormField } from './FormField.js';
import { ProfileSecrets } from './ProfileSecrets.js';
import {
  FIELD_NAMES,
  type FieldName,
  type FormValues,
  SECTION_TITLES,
  type Section,
  errorsFromIssues,
  fieldSpec,
  toProfileInput,
  valuesFromProfile,
} from './profile-form-model.js';
import { useAction, useAppState, useStore } from './hooks.js';

/** The fields of a section, in the table's order. */
const inSection = (section: Section) =>
  FIELD_NAMES.filter((name) => fieldSpec(name).section === section);
const ADVANCED_SECTIONS = ['phase1', 'phase2', 'network'] as const;

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
    if (
      advanced.current &&
      Object.keys(errors).some((f) => fieldSpec(f as FieldName).section !== 'connection')
    )
      advanced.current.open = true;
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
    const { label, kind, choices, hint, placeholder } = fieldSpec(name);
    const locked = isLocked(name);
    const common = { name, value: values[name], disabled: locked };
    return (
      <FormField
        key={name}
        id={`profile-${name}`}
        label={label}
        locked={locked}
        error={errorOf(name)}
        hint={locked ? 'Locked by your administrator' : hint}
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
          ) : kind === 'list' ? (
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
              inputMode={kind === 'number' ? 'numeric' : undefined}
              spellCheck={false}
              autoComplete="off"
              placeholder={placeholder}
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
        <legend>{SECTION_TITLES.connection}</legend>
        {inSection('connection').map(field)}
      </fieldset>
      {profile && (
        <ProfileSecrets
          profile={profile.name}
          tokenCode={profile.tokenCode}
          clientKey={clientKeyFile(profile) !== undefined}
        />
      )}
      <details className="advanced" ref={advanced}>
        <summary>Advanced</summary>
        {ADVANCED_SECTIONS.map((section) => (
          <fieldset key={section}>
            <legend>{SECTION_TITLES[section]}</legend>
            {inSection(section).map(field)}
          </fieldset>
        ))}
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
