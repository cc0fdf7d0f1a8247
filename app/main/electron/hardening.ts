// Electron security beyond the window options: no navigation, no new windows, no webviews, no
// permissions but clipboard writes (the log pane's Copy), and no request leaves app://.
import { app, session } from 'electron';
import { APP_HOST, APP_SCHEME } from '../ipc/trusted-sender.js';

const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function hardenApp(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/** after ready: the default session's permission and request policy */
export function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(ALLOWED_PERMISSIONS.has(permission)),
  );
  ses.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
  ses.webRequest.onBeforeRequest((details, callback) => {
    const url = new URL(details.url);
    const ours = url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
    callback({ cancel: !ours && url.protocol !== 'devtools:' });
  });
}
