// Saved secrets of a profile: whether each is in the keychain (never the value), set or forget.
import { useEffect, useState } from 'react';
import { type CredentialStatus, SECRET_LABELS, type SecretKind } from '../../shared/ui/ipc.js';
import { useAction, useAppState, useStore } from './hooks.js';

const STORED: Record<SecretKind, keyof CredentialStatus> = {
  'group-psk': 'groupPsk',
  'xauth-password': 'xauthPassword',
  'key-passphrase': 'keyPassphrase',
};

function SecretRow({
  kind,
  status,
  onChange,
  oneTime = false,
}: {
  kind: SecretKind;
  status: CredentialStatus;
  onChange: (s: CredentialStatus) => void;
  /** a token code: never saved (one saved before the profile said so is only forgotten) */
  oneTime?: boolean;
}) {
  const store = useStore();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const stored = status[STORED[kind]] === true;
  const [save, saving] = useAction(() =>
    store.client.invoke('credentials.set', { profile: status.profile, kind, value }),
  );
  const [clear, clearing] = useAction(() =>
    store.client.invoke('credentials.clear', { profile: status.profile, kind }),
  );
  const id = `secret-${kind}`;
  const done = (next: CredentialStatus | undefined) => {
    if (!next) return;
    onChange(next);
    setEditing(false);
    setValue('');
  };
  const error = saving.error ?? clearing.error;
  return (
    <div className="secret-row">
      <span className="secret-label" id={`${id}-label`}>
        {capitalised(SECRET_LABELS[kind])}
      </span>
      <span className={`secret-state ${stored ? 'ok' : 'muted'}`} data-testid={`${id}-state`}>
        {oneTime
          ? `a one-time token code: asked at every connect${stored ? ' (the saved one is not used)' : ''}`
          : stored
            ? 'saved in the keychain'
            : 'asked when connecting'}
      </span>
      {editing ? (
        <span className="secret-edit">
          <input
            type="password"
            aria-labelledby={`${id}-label`}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoComplete="off"
            data-autofocus
          />
          <button
            type="button"
            className="button primary"
            disabled={!value || saving.busy}
            onClick={() => void save().then(done)}
          >
            Save
          </button>
          <button type="button" className="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <span className="secret-actions">
          {!oneTime && (
            <button
              type="button"
              className="button"
              disabled={!status.keychain.available}
              onClick={() => setEditing(true)}
            >
              {stored ? 'Change…' : 'Save…'}
            </button>
          )}
          {stored && (
            <button type="button" className="button" onClick={() => void clear().then(done)}>
              Forget
            </button>
          )}
        </span>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
    </div>
  );
}

function capitalised(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

export function ProfileSecrets({
  profile,
  tokenCode,
  clientKey,
}: {
  profile: string;
  tokenCode: boolean;
  /** the profile signs with a client key (xauth-rsa), which may be encrypted */
  clientKey: boolean;
}) {
  const store = useStore();
  const [status, setStatus] = useState<CredentialStatus | undefined>();
  // A session changes saved secrets too ("Save password", the gateway forbidding saved
  // passwords or rejecting one), and says so in a notice: ask again after each.
  const lastNotice = useAppState((s) => s.notices.at(-1)?.id);
  useEffect(() => {
    let live = true;
    void store.client.invoke('credentials.status', { profile }).then((s) => live && setStatus(s));
    return () => {
      live = false;
    };
  }, [store, profile, lastNotice]);
  if (!status) return null;
  return (
    <fieldset className="secrets">
      <legend>Saved secrets</legend>
      {!status.keychain.available && (
        <p className="alert alert-warning" role="status">
          {status.keychain.message}
        </p>
      )}
      <SecretRow kind="group-psk" status={status} onChange={setStatus} />
      <SecretRow kind="xauth-password" status={status} onChange={setStatus} oneTime={tokenCode} />
      {clientKey && <SecretRow kind="key-passphrase" status={status} onChange={setStatus} />}
    </fieldset>
  );
}
