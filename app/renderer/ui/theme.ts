// Light, dark or the system's choice (prefers-color-scheme), remembered per browser profile.
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'roadwarrior.theme';

export function loadTheme(): ThemeChoice {
  const saved = globalThis.localStorage?.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  globalThis.localStorage?.setItem(KEY, choice);
}

export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return choice === 'system' ? 'light' : choice === 'light' ? 'dark' : 'system';
}
