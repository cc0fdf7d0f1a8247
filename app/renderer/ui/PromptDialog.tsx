// The gateway's questions: the group key when none is saved, the passphrase of an encrypted
// client key, and each XAuth round (username, password, or a one-time passcode / next PIN with
// the gateway's own message).
import { type FormEvent, useState } from 'react';
import {
  type PromptAnswer,
  type PromptRequest,
  XAUTH_FIELDS,
  type XauthField,
} from '../../shared/ui/ipc.js';
import { Dialog } from './Dialog.js';
import { useAction, useStore } from './hooks.js';

type ValueKey = keyof PromptAnswer['values'];
interface FieldView {
  key: ValueKey;
  label: string;
  secret: boolean;
  autoComplete: string;
}

/** What the browser may fill in; the rest of each field comes from XAUTH_FIELDS. */
const AUTOCOMPLETE: Record<XauthField, string> = {
  username: 'username',
  password: 'current-password',
  passcode: 'one-time-code',
  answer: 'off',
  'next-pin': 'new-password',
  domain: 'off',
};

function fieldsOf(prompt: PromptRequest): FieldView[] {
  if (prompt.kind === 'group-psk')
    return [{ key: 'groupPsk', label: 'Group key', secret: true, autoComplete: 'off' }];
  if (prompt.kind === 'key-passphrase')
    return [{ key: 'keyPassphrase', label: 'Passphrase', secret: true, autoComplete: 'off' }];
  return XAUTH_FIELDS.filter((row) => prompt.fields.includes(row.field)).map((row) => ({
    key: row.answer,
    label: row.label,
    secret: row.secret,
    autoComplete: AUTOCOMPLETE[row.field],
  }));
}

export function PromptDialog({ prompt, gateway }: { prompt: PromptRequest; gateway: string }) {
  const store = useStore();
  const [values, setValues] = useState<PromptAnswer['values']>(
    prompt.kind === 'xauth' && prompt.username ? { username: prompt.username } : {},
  );
  const [remember, setRemember] = useState(false);
  // a new PIN is typed twice and sent once: a typo would lock the user out of the token
  const [pinAgain, setPinAgain] = useState('');
  const [pinMismatch, setPinMismatch] = useState(false);
  const [answer, answering] = useAction((input: PromptAnswer) =>
    store.client.invoke('prompt.answer', input),
  );
  const [cancel] = useAction(() => store.client.invoke('prompt.cancel', { id: prompt.id }));
  const fields = fieldsOf(prompt);
  const asksNewPin = prompt.kind === 'xauth' && prompt.fields.includes('next-pin');
  // a round that asks nothing shows the gateway's message for the user to acknowledge
  const acknowledgeOnly = fields.length === 0;
  const fieldError = (key: ValueKey) =>
    answering.error?.issues.find((i) => i.path === `values.${key}`)?.message;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const mismatch = asksNewPin && values.nextPin !== pinAgain;
    setPinMismatch(mismatch);
    if (!mismatch) void answer({ id: prompt.id, values, remember });
  };
  const title = {
    'group-psk': `Group key for “${prompt.profile}”`,
    'key-passphrase': `Client key of “${prompt.profile}”`,
    xauth: `Sign in to ${gateway}`,
  }[prompt.kind];
  const firstEmpty = fields.find((f) => !values[f.key])?.key;

  return (
    <Dialog title={title} onCancel={() => void cancel()}>
      <form onSubmit={submit} className="prompt-form" noValidate>
        {prompt.kind === 'group-psk' && (
          <p className="subtle">
            The pre-shared key of group <strong>{prompt.group}</strong>, from your administrator.
          </p>
        )}
        {prompt.kind === 'key-passphrase' && (
          <p className="subtle">
            The private key in <strong>{prompt.keyFile}</strong> is encrypted: enter its passphrase.
          </p>
        )}
        {prompt.kind === 'xauth' && prompt.message && (
          <blockquote className="gateway-message" data-testid="gateway-message">
            <span className="subtle">The gateway says:</span> {prompt.message}
          </blockquote>
        )}
        {prompt.kind !== 'group-psk' && prompt.reason && (
          <p className="alert alert-warning" role="status">
            {prompt.reason}
          </p>
        )}
        {fields.map((field) => {
          const error = fieldError(field.key);
          const id = `prompt-${field.key}`;
          return (
            <div className="field" key={field.key}>
              <label htmlFor={id}>{field.label}</label>
              <input
                id={id}
                name={field.key}
                type={field.secret ? 'password' : 'text'}
                autoComplete={field.autoComplete}
                value={values[field.key] ?? ''}
                onChange={(e) => setValues((v) => ({ ...v, [field.key]: e.target.value }))}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
                data-autofocus={field.key === firstEmpty ? true : undefined}
              />
              {error && (
                <p id={`${id}-error`} className="field-error">
                  {field.label} is required
                </p>
              )}
            </div>
          );
        })}
        {asksNewPin && (
          <div className="field">
            <label htmlFor="prompt-nextPin-again">Confirm new PIN</label>
            <input
              id="prompt-nextPin-again"
              name="nextPinAgain"
              type="password"
              autoComplete="new-password"
              value={pinAgain}
              onChange={(e) => setPinAgain(e.target.value)}
              aria-invalid={pinMismatch ? true : undefined}
              aria-describedby={pinMismatch ? 'prompt-nextPin-again-error' : undefined}
            />
            {pinMismatch && (
              <p id="prompt-nextPin-again-error" className="field-error">
                The two PINs differ
              </p>
            )}
          </div>
        )}
        {prompt.canRemember ? (
          <label className="check">
            <input
              type="checkbox"
              checked={remember}
              onChange={(e) => setRemember(e.target.checked)}
            />
            {
              {
                'group-psk': 'Save the group key in the keychain',
                'key-passphrase': 'Save the passphrase in the keychain once it opens the key',
                xauth: 'Save the password in the keychain, if the gateway allows it',
              }[prompt.kind]
            }
          </label>
        ) : (
          prompt.kind === 'xauth' &&
          prompt.fields.includes('password') && (
            <p className="subtle">This password cannot be saved; you will be asked each time.</p>
          )
        )}
        {answering.error && !answering.error.issues.length && (
          <p className="alert alert-error" role="alert">
            {answering.error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => void cancel()}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={answering.busy}>
            {prompt.kind !== 'xauth' || acknowledgeOnly ? 'Continue' : 'Sign in'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
