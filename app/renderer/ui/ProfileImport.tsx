// Import a Cisco .pcf, Shrew Soft .vpn or JSON profile, picked in a file dialog or dropped on the
// profile list: the service saves it and puts its secrets in the keychain; shown here is what it
// could not carry over, and whether each secret was saved (never the secret).
import { type DragEvent, type ReactNode, useRef, useState } from 'react';
import { IpcError } from '../../shared/ui/ipc-client.js';
import { type InvokeResult, SECRET_LABELS } from '../../shared/ui/ipc.js';
import { useStore } from './hooks.js';

export const IMPORT_ACCEPT = '.pcf,.vpn,.json';

type Outcome =
  | { kind: 'imported'; file: string; report: InvokeResult<'profiles.import'> }
  | { kind: 'failed'; file: string; message: string; lines: string[] };

/** base64 of the file's bytes: a Latin-1 .pcf is not UTF-8 text */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

interface Props {
  onImported: (name: string) => void;
  children: ReactNode;
}

/** Wraps the profile list: a drop target, with the Import button and the last outcome. */
export function ProfileImport({ onImported, children }: Props) {
  const store = useStore();
  const input = useRef<HTMLInputElement>(null);
  const [outcome, setOutcome] = useState<Outcome>();
  const [dragging, setDragging] = useState(false);

  const importFile = async (file: File) => {
    try {
      const report = await store.client.invoke('profiles.import', {
        fileName: file.name,
        contentBase64: await base64Of(file),
      });
      setOutcome({ kind: 'imported', file: file.name, report });
      await store.refreshProfiles();
      onImported(report.profile.name);
    } catch (error) {
      const issues = error instanceof IpcError ? error.issues : [];
      setOutcome({
        kind: 'failed',
        file: file.name,
        message: (error as Error).message,
        lines: issues.map((i) => `${i.path}: ${i.message}`),
      });
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) void importFile(file);
  };

  return (
    <div
      className={`profile-import${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {children}
      <button
        type="button"
        className="button import-profile"
        onClick={() => input.current?.click()}
      >
        Import…
      </button>
      <input
        ref={input}
        type="file"
        accept={IMPORT_ACCEPT}
        hidden
        aria-label="Profile file to import"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void importFile(file);
        }}
      />
      {outcome?.kind === 'imported' && (
        <div className="alert alert-info import-result" role="status">
          <p>
            Imported “{outcome.report.profile.name}” from {outcome.file}.
            {outcome.report.secrets.map(({ kind, saved }) =>
              saved
                ? ` The ${SECRET_LABELS[kind]} was saved in the keychain.`
                : ` The ${SECRET_LABELS[kind]} was not saved (no keychain): it will be asked for.`,
            )}
          </p>
          {outcome.report.notes.length > 0 && (
            <>
              <p>Not carried over:</p>
              <ul>
                {outcome.report.notes.map((n) => (
                  <li key={n.field}>
                    {n.field}: {n.message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      {outcome?.kind === 'failed' && (
        <div className="alert alert-error import-result" role="alert">
          <p>{outcome.lines.length ? `${outcome.file} cannot be imported:` : outcome.message}</p>
          {outcome.lines.length > 0 && (
            <ul>
              {outcome.lines.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
