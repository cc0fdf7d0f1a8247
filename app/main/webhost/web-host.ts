// The VpnService served to a browser: HTTP for the built renderer and a web socket for the IPC
// contract, on 127.0.0.1 only. Every request and upgrade must carry the random token as the
// first path segment (http://127.0.0.1:PORT/TOKEN/), must name our own host (no DNS
// rebinding), and upgrades must come from our own origin.
import { existsSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_CLIENT_FRAME_BYTES, SOCKET_PATH } from '../../shared/ui/ipc-socket.js';
import { createDispatcher } from '../ipc/dispatcher.js';
import { createServiceHandlers } from '../service/handlers.js';
import type { VpnService } from '../service/vpn-service.js';
import { contentSecurityPolicy, readStatic } from '../static-files.js';
import { newToken, tokenMatches } from './token.js';
import { serveSocket } from './socket-session.js';

export interface WebHostOptions {
  service: VpnService;
  /** the vite build output (index.html and assets/) */
  staticDir: string;
  /** 0 (default) picks a free port */
  port?: number;
  version?: string;
}

export interface WebHost {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  if (!existsSync(join(options.staticDir, 'index.html'))) {
    throw new Error(
      `the UI is not built (${options.staticDir}/index.html is missing): run npm run build:renderer`,
    );
  }
  const token = newToken();
  const dispatch = createDispatcher(
    createServiceHandlers(options.service, { host: 'web', version: options.version ?? '0.0.0' }),
  );
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES });
  sockets.on('connection', (socket) => serveSocket(socket, options.service, dispatch));
  let port = 0;

  const server = createServer((request, response) => {
    const path = authorisedPath(request, token, port);
    if (path === undefined) return refuse(response, 403, 'forbidden');
    if (path === null) {
      response.writeHead(308, { location: `/${token}/` }).end();
      return;
    }
    void serveFile(options.staticDir, path, port, response);
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = authorisedPath(request, token, port);
    const origin = request.headers.origin;
    if (path !== SOCKET_PATH || !origin || !allowedOrigins(port).includes(origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/${token}/`,
    port,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The path below the token; null for the bare token (redirect); undefined when refused. */
function authorisedPath(
  request: IncomingMessage,
  token: string,
  port: number,
): string | null | undefined {
  if (!request.headers.host || !allowedHosts(port).includes(request.headers.host)) return undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const pathname = new URL(request.url ?? '/', 'http://x').pathname;
  const [, first = '', ...rest] = pathname.split('/');
  if (!tokenMatches(first, token)) return undefined;
  return pathname === `/${first}` ? null : rest.join('/');
}

function allowedHosts(port: number): string[] {
  return [`${LOOPBACK}:${port}`, `localhost:${port}`];
}

function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

async function serveFile(
  root: string,
  path: string,
  port: number,
  response: ServerResponse,
): Promise<void> {
  const file = await readStatic(root, path);
  if (!file) return refuse(response, 404, 'not found');
  response.writeHead(200, {
    'content-type': file.contentType,
    'content-security-policy': contentSecurityPolicy(
      `ws://${LOOPBACK}:${port} ws://localhost:${port}`,
    ),
    'x-content-type-options': 'nosniff',
    // the token is in the URL: never let it travel in a Referer
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  response.end(file.body);
}

function refuse(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}
