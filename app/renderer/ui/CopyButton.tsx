// A button that copies text made on click, then says whether the browser allowed it.
import { useState } from 'react';

export function CopyButton({
  label,
  text,
  copied = 'Copied',
  className = 'link',
  onStatus,
}: {
  label: string;
  text: () => string;
  /** what to say once copied */
  copied?: string;
  className?: string;
  /** where to say it, when the caller has a status line of its own */
  onStatus?: (status: string) => void;
}) {
  const [own, setOwn] = useState('');
  const setStatus = onStatus ?? setOwn;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text());
      setStatus(copied);
    } catch {
      setStatus('Copying was not allowed by the browser');
    }
  };
  return (
    <>
      <button type="button" className={className} onClick={() => void copy()}>
        {label}
      </button>
      {own && <span role="status"> {own}</span>}
    </>
  );
}
