// The renderer is served from app://roadwarrior/ (not file://): a real origin for the CSP and the
// sender check, and nothing outside the renderer directory is reachable.
import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from '../ipc/trusted-sender.js';
import { contentSecurityPolicy, readStatic } from '../static-files.js';

/** must run before the app is ready */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true } },
  ]);
}

export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('forbidden', { status: 403 });
    const file = await readStatic(rendererDir, url.pathname.slice(1));
    if (!file) return new Response('not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: {
        'content-type': file.contentType,
        // the renderer talks to main only through the preload: no network at all
        'content-security-policy': contentSecurityPolicy("'none'"),
        'x-content-type-options': 'nosniff',
      },
    });
  });
}
