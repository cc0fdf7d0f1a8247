// What the user should know and did not ask about: keychain missing, a password not saved and
// why. Warnings stay until dismissed; information fades after a while.
import { useEffect } from 'react';
import type { Notice } from '../../shared/ui/ipc.js';
import { useAppState, useStore } from './hooks.js';

const INFO_VISIBLE_MS = 8000;

function NoticeItem({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  useEffect(() => {
    if (notice.level !== 'info') return;
    const timer = setTimeout(onDismiss, INFO_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [notice.level, onDismiss]);
  return (
    <li
      className={`notice notice-${notice.level}`}
      role={notice.level === 'info' ? 'status' : 'alert'}
      data-code={notice.code}
    >
      <p>{notice.message}</p>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </li>
  );
}

export function Notices() {
  const store = useStore();
  const notices = useAppState((s) => s.notices);
  if (!notices.length) return null;
  return (
    <ul className="notices" aria-label="Notifications">
      {notices.map((notice) => (
        <NoticeItem
          key={notice.id}
          notice={notice}
          onDismiss={() => store.dismissNotice(notice.id)}
        />
      ))}
    </ul>
  );
}
