// Which renderer may use the IPC contract in Electron: only our own page, loaded from the app://
// protocol, top-level frame. (For non-special schemes URL.origin is "null", so compare parts.)
export const APP_SCHEME = 'app';
export const APP_HOST = 'roadwarrior';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

export function isTrustedSenderUrl(url: string | undefined, isTopFrame: boolean): boolean {
  if (!url || !isTopFrame) return false;
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === `${APP_SCHEME}:` &&
      parsed.host === APP_HOST &&
      !parsed.username &&
      !parsed.password
    );
  } catch {
    return false;
  }
}
