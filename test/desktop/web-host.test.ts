// The web host: 127.0.0.1 only, the token on every request and upgrade, our own Host and
// Origin only, and the IPC contract over the socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ServerFrame } from '../../app/shared/ui/ipc-socket.js';
import { type WebHost, startWebHost } from '../../app/main/webhost/web-host.js';
import { type ServiceFixture, createServiceFixture } from './support/service-fixture.js';

interface Harness {
  host: WebHost;
  fixture: ServiceFixture;
  base: string;
  token: string;
}

async function withHost(run: (h: Harness) => Promise<void>): Promise<void> {
  const fixture = await createServiceFixture();
  const staticDir = join(fixture.directory, 'ui');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>rw</title>');
  await writeFile(join(staticDir, 'assets', 'app.js'), 'export {};');
  const host = await startWebHost({ service: fixture.service, staticDir });
  const url = new URL(host.url);
  try {
    await run({
      host,
      fixture,
      base: `${url.protocol}//${url.host}`,
      token: url.pathname.split('/')[1] ?? '',
    });
  } finally {
    await host.close();
    await fixture.close();
  }
}

function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextFrame(
  ws: WebSocket,
  predicate: (frame: ServerFrame) => boolean,
): Promise<ServerFrame> {
  return new Promise((resolve, reject) => {
    const onClose = (code: number) =>
      reject(new Error(`socket closed (${code}) before the expected frame`));
    const onMessage = (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (!predicate(frame)) return;
      ws.off('message', onMessage).off('close', onClose);
      resolve(frame);
    };
    ws.on('message', onMessage).once('close', onClose);
  });
}

test('listens on 127.0.0.1 only, with a long random token in the URL', () =>
  withHost(async ({ host, token }) => {
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/$/);
    assert.equal(token.length, 43);
    await assert.rejects(
      new Promise((resolve, reject) =>
        connect(host.port, '127.0.0.2').once('connect', resolve).once('error', reject),
      ),
      /ECONNREFUSED/,
    );
  }));

test('every request needs the token; the page comes with a strict CSP', () =>
  withHost(async ({ base, token }) => {
    assert.equal((await get(`${base}/`)).status, 403);
    assert.equal((await get(`${base}/index.html`)).status, 403);
    assert.equal((await get(`${base}/${token.slice(0, -1)}x/`)).status, 403);
    assert.equal((await get(`${base}/assets/app.js`)).status, 403);
    const page = await get(`${base}/${token}/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>rw<\/title>/);
    assert.match(
      String(page.headers['content-security-policy']),
      /script-src 'self'; style-src 'self';.*connect-src ws:\/\/127\.0\.0\.1:\d+/,
    );
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(
      (await get(`${base}/${token}/assets/app.js`)).headers['content-type'],
      'text/javascript; charset=utf-8',
    );
    assert.equal((await get(`${base}/${token}`)).headers.location, `/${token}/`);
    assert.equal(
      (await get(`${base}/${token}/%2e%2e/%2e%2e/etc/passwd`)).status,
      403,
      'normalised away from the token',
    );
    assert.equal(
      (await get(`${base}/${token}/..%2F..%2F..%2Fetc%2Fpasswd`)).status,
      404,
      'encoded traversal',
    );
    assert.equal(
      (await get(`${base}/${token}/`, { host: 'evil.example' })).status,
      403,
      'DNS rebinding',
    );
    assert.equal((await get(`${base}/${token}/`, {}, 'POST')).status, 403);
  }));

test('the socket needs the token and our own origin', () =>
  withHost(async ({ base, token }) => {
    const ws = base.replace('http', 'ws');
    await assert.rejects(openSocket(`${ws}/ipc`, base), /403/);
    await assert.rejects(openSocket(`${ws}/wrong-token/ipc`, base), /403/);
    await assert.rejects(openSocket(`${ws}/${token}/ipc`, 'http://evil.example'), /403/);
    (await openSocket(`${ws}/${token}/ipc`, base)).close();
  }));

test('the IPC contract works over the socket: validated invokes, results, events', () =>
  withHost(async ({ base, token, fixture }) => {
    const ws = await openSocket(`${base.replace('http', 'ws')}/${token}/ipc`, base);
    try {
      const info = nextFrame(ws, (f) => f.t === 'result' && f.id === 1);
      ws.send(JSON.stringify({ t: 'invoke', id: 1, name: 'app.info' }));
      const infoFrame = await info;
      assert.ok(infoFrame.t === 'result' && infoFrame.result.ok);
      assert.equal((infoFrame.result.value as { host: string }).host, 'web');

      const bad = nextFrame(ws, (f) => f.t === 'result' && f.id === 2);
      ws.send(
        JSON.stringify({ t: 'invoke', id: 2, name: 'connection.connect', input: { profile: '' } }),
      );
      const badFrame = await bad;
      assert.ok(badFrame.t === 'result' && !badFrame.result.ok);
      assert.equal(badFrame.result.error.message, 'profile: profile name is required');

      const prompt = nextFrame(
        ws,
        (f) => f.t === 'event' && f.name === 'snapshot' && f.payload.prompt?.kind === 'group-psk',
      );
      ws.send(
        JSON.stringify({
          t: 'invoke',
          id: 3,
          name: 'connection.connect',
          input: { profile: 'Office' },
        }),
      );
      const promptFrame = await prompt;
      assert.ok(promptFrame.t === 'event' && promptFrame.name === 'snapshot');
      assert.equal(fixture.service.snapshot().prompt?.id, promptFrame.payload.prompt?.id);

      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.send('not json');
      assert.equal(await closed, 1008);
    } finally {
      ws.terminate();
    }
  }));
