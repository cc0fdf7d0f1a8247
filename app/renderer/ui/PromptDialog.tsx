// The gateway's questions: the group key when none is saved, and each XAuth round (username,
// password, or a one-time passcode / next PIN with the gateway's own message).
import { type FormEvent, useState } from 'react';
import type { PromptAnswer, PromptRequest, XauthField } from '../../shared/ui/ipc.js';
import { Dialog } from './Dialog.js';
import { useAction, useStore } from './hooks.js';

type ValueKey = keyof PromptAnswer['values'];

const FIELDS: Record<
  XauthField,
  { key: ValueKey; label: string; secret: boolean; autoComplete: string }
> = {
  username: { key: 'username', label: 'Username', secret: false, autoComplete: 'username' },
  password: { key: 'password', label: 'Password', secret: true, autoComplete: 'current-password' },
  passcode: { key: 'passcode', label: 'Passcode', secret: true, autoComplete: 'one-time-code' },
  answer: { key: 'answer', label: 'Answer', secret: true, autoComplete: 'off' },
  'next-pin': { key: 'nextPin', label: 'New PIN', secret: true, autoComplete: 'new-password' },
  domain: { key: 'domain', label: 'Domain', secret: false, autoComplete: 'off' },
};

function fieldsOf(prompt: PromptRequest) {
  if (prompt.kind === 'group-psk')
    return [{ key: 'groupPsk' as ValueKey, label: 'Group key', secret: true, autoComplete: 'off' }];
  return prompt.fields.map((field) => FIELDS[field]);
}

export function PromptDialog({ prompt, gateway }: { prompt: PromptRequest; gateway: string }) {
  const store = useStore();
  const [values, setValues] = useState<PromptAnswer['values']>(
    prompt.kind === 'xauth' && prompt.username ? { username: prompt.username } : {},
  );
  const [remember, setRemember] = useState(false);
  const [answer, answering] = useAction((input: PromptAnswer) =>
    store.client.invoke('prompt.answer', input),
  );
  const [cancel] = useAction(() => store.client.invoke('prompt.cancel', { id: prompt.id }));
  const fields = fieldsOf(prompt);
  const fieldError = (key: ValueKey) =>
    answering.error?.issues.find((i) => i.path === `values.${key}`)?.message;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void answer({ id: prompt.id, values, remember });
  };
  const title =
    prompt.kind === 'group-psk' ? `Group key for “${prompt.profile}”` : `Sign in to ${gateway}`;
  const firstEmpty = fields.find((f) => !values[f.key])?.key;

  return (
    <Dialog title={title} onCancel={() => void cancel()}>
      <form onSubmit={submit} className="prompt-form" noValidate>
        {prompt.kind === 'group-psk' && (
          <p className="subtle">
            The pre-shared key of group <strong>{prompt.group}</strong>, from your administrator.
          </p>
        )}
        {prompt.kind === 'xauth' && prompt.message && (
          <blockquote className="gateway-message" data-testid="gateway-message">
            <span className="subtle">The gateway says:</span> {prompt.message}
          </blockquote>
        )}
        {prompt.kind === 'xauth' && prompt.reason && (
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
        {prompt.canRemember ? (
          <label className="check">
            <input
              type="checkbox"
              checked={remember}
              onChange={(e) => setRemember(e.target.checked)}
            />
            {prompt.kind === 'group-psk'
              ? 'Save the group key in the keychain'
              : 'Save the password in the keychain, if the gateway allows it'}
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
            {prompt.kind === 'group-psk' ? 'Continue' : 'Sign in'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
