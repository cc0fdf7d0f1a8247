// The top bar: the app, the connection state at a glance, keychain trouble, and the theme.
import { useState } from 'react';
import { type ThemeChoice, applyTheme, loadTheme, nextTheme } from './theme.js';
import { useAppState } from './hooks.js';

const PHASE_TEXT = {
  idle: 'Not connected',
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  disconnecting: 'Disconnecting',
  failed: 'Failed',
} as const;

export function Header() {
  const snapshot = useAppState((s) => s.snapshot);
  const info = useAppState((s) => s.info);
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme);
  const phase = snapshot?.phase ?? 'idle';
  const cycle = () => {
    const next = nextTheme(theme);
    applyTheme(next);
    setTheme(next);
  };
  return (
    <header className="topbar">
      <span className="brand">
        <svg viewBox="0 0 24 24" aria-hidden="true" className="brand-mark">
          <path d="M12 2 4 5v6c0 5 3.4 9.5 8 11 4.6-1.5 8-6 8-11V5z" />
        </svg>
        Roadwarrior
      </span>
      <span className={`pill pill-${phase}`} role="status" data-testid="state-pill">
        <span className="dot" aria-hidden="true" />
        {PHASE_TEXT[phase]}
        {snapshot?.profile && phase !== 'idle' ? ` · ${snapshot.profile}` : ''}
        {phase === 'connected' && snapshot?.network?.internalIp4
          ? ` · ${snapshot.network.internalIp4}`
          : ''}
      </span>
      <span className="spacer" />
      {snapshot && !snapshot.keychain.available && (
        <span className="keychain-off" title={snapshot.keychain.message}>
          No keychain
        </span>
      )}
      <button
        type="button"
        className="button ghost"
        onClick={cycle}
        aria-label={`Theme: ${theme}. Change theme`}
      >
        {theme === 'system' ? 'Theme: system' : theme === 'light' ? 'Theme: light' : 'Theme: dark'}
      </button>
      {info && <span className="subtle version">v{info.version}</span>}
    </header>
  );
}
