// Serving the built renderer (web host and Electron's app:// protocol alike): path resolution
// that cannot leave the root, content types, and the one Content-Security-Policy.
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** The file at relativePath under root ("" is index.html), or undefined if absent or outside. */
export async function readStatic(
  root: string,
  relativePath: string,
): Promise<StaticFile | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativePath);
  } catch {
    return undefined;
  }
  const base = resolve(root);
  const file = resolve(base, decoded === '' ? 'index.html' : decoded);
  if (!file.startsWith(base + sep) || decoded.includes('\0')) return undefined;
  const contentType = CONTENT_TYPES[extname(file)];
  if (!contentType) return undefined;
  try {
    return { body: await readFile(file), contentType };
  } catch {
    return undefined;
  }
}

/** No inline script or style, nothing remote; connectSrc is the web host's socket or 'none'. */
export function contentSecurityPolicy(connectSrc: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connectSrc}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
