// One labelled form control with its hint and its validation message, wired for screen readers.
import type { ReactNode } from 'react';
import { LockIcon } from './LockIcon.js';

interface Props {
  id: string;
  label: string;
  /** set by an administrator: shown with a lock, not editable */
  locked?: boolean;
  error?: string | undefined;
  hint?: ReactNode;
  children: (aria: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}

export function FormField({ id, label, locked, error, hint, children }: Props) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {locked && <LockIcon />}
      </label>
      {children({
        id,
        ...(error ? { 'aria-invalid': true } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" data-field-error>
          {error}
        </p>
      )}
    </div>
  );
}
