// `roadwarrior status`: a connect process's session file follows its events (SAs, counters, the
// current diagnosis), only running processes are listed, and the text reads like a head-end's
// `show crypto isakmp sa` / `show crypto ipsec sa`. The interop diagnosis suite runs it against
// a live tunnel.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { SessionWriter, readSessions } from '../../app/cli/session-file.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { tunnelStatusText } from '../../app/shared/ui/event-text.js';
import { CLI_ENTRY } from '../support/cli-process.js';

const AT = 1_800_000_000_000;
const totals = {
  packetsIn: 7,
  bytesIn: 700,
  packetsOut: 9,
  bytesOut: 900,
  icvFailures: 1,
  replayDrops: 2,
  decryptErrors: 0,
  paddingErrors: 0,
  selectorDrops: 0,
  sendErrors: 0,
  lastInboundAt: AT,
  lastOutboundAt: AT,
};
const EVENTS: EngineEvent[] = [
  {
    type: 'state',
    at: AT,
    state: 'connected',
    previous: 'qm3-sent',
    gateway: 'gw',
    virtualIp: '10.1.2.3',
  },
  {
    type: 'sa',
    kind: 'ike',
    at: AT,
    initiatorCookie: '0011223344556677',
    responderCookie: '8899aabbccddeeff',
    encryption: 'AES-CBC-256',
    hash: 'SHA256',
    dhGroup: 14,
    authMethod: 'XAUTH-PSK',
    lifetimeSeconds: 28800,
    natT: {
      mode: 'rfc3947',
      localBehindNat: true,
      peerBehindNat: false,
      forced: false,
      localPort: 4500,
      gatewayPort: 4500,
    },
    dpd: true,
    peerVendorIds: [],
    peerId: '198.51.100.1',
  },
  {
    type: 'sa',
    kind: 'ipsec',
    at: AT,
    id: 'sa1',
    spiIn: 'c0ffee01',
    spiOut: '5eed0001',
    transform: 'ESP AES-GCM-16-256',
    lifetimeSeconds: 3600,
    localSelectors: [{ address: '10.1.2.3', prefix: 32 }],
    remoteSelectors: [{ address: '0.0.0.0', prefix: 0 }],
    rekeyCount: 0,
    status: 'installed',
  },
  {
    type: 'counters',
    at: AT,
    sas: [{ saId: 'sa1', spiIn: 1, spiOut: 2, ...totals }],
    total: { ...totals, noSaDrops: 3, noRouteDrops: 0, receiveErrors: 0, malformedDrops: 0 },
  },
  {
    type: 'diagnosis',
    at: AT,
    code: 'esp-blocked',
    cause: 'The tunnel is up but carries nothing.',
    evidence: ['9 ESP packet(s) sent, none decrypted'],
    next: 'Try another network.',
    phase: 'dataplane',
    cleared: false,
  },
];

test('the session file follows the events; status shows SAs, lifetimes, counters, drops and the diagnosis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-status-'));
  try {
    const writer = new SessionWriter(dir, { profile: 'Office', gateway: '198.51.100.1' });
    for (const event of EVENTS) writer.observe(event);
    const [session, ...others] = readSessions(dir);
    assert.equal(others.length, 0);
    assert.ok(session);
    const text = tunnelStatusText(session, AT + 60_000);
    assert.match(
      text,
      /tunnel "Office" to 198\.51\.100\.1 \(pid \d+\): connected, virtual IP 10\.1\.2\.3, up 60 s/,
    );
    assert.match(
      text,
      /crypto isakmp sa\n {2}198\.51\.100\.1 {2}cookies 0011223344556677\/8899aabbccddeeff {2}AES-CBC-256 SHA256 group 14 \(MODP 2048\) XAUTH-PSK/,
    );
    assert.match(text, /lifetime 28800 s, remaining 28740 s; NAT-T rfc3947 \(local behind NAT\)/);
    assert.match(text, /sa1: ESP AES-GCM-16-256 no PFS, spi in 0xc0ffee01 out 0x5eed0001/);
    assert.match(text, /#pkts encaps: 9, #pkts decaps: 7/);
    assert.match(text, /#drops: integrity 1, replay 2/);
    assert.match(text, /unknown SPI 3/);
    assert.match(text, /diagnosis \(esp-blocked\): The tunnel is up but carries nothing\./);
    writer.observe({ ...(EVENTS[4] as EngineEvent & { type: 'diagnosis' }), cleared: true });
    assert.match(tunnelStatusText(readSessions(dir)[0]!, AT), /diagnosis: none/);
    writer.remove();
    assert.deepEqual(readSessions(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session file left by a process that is gone is not listed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-status-'));
  try {
    // pid 2^22 + 1 is above Linux's pid_max: never a running process
    const record = {
      pid: 4_194_305,
      profile: 'x',
      gateway: 'gw',
      startedAt: AT,
      state: 'connected',
      ipsec: [],
    };
    writeFileSync(join(dir, '4194305.json'), JSON.stringify(record));
    writeFileSync(join(dir, `${process.pid}.json`), '{"half a fi');
    assert.deepEqual(readSessions(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session directory that cannot be made costs the status file, not the connect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-status-'));
  try {
    // a file where the directory should be
    writeFileSync(join(dir, 'sessions'), '');
    const writer = new SessionWriter(join(dir, 'sessions'), { profile: 'x', gateway: 'gw' });
    for (const event of EVENTS) writer.observe(event);
    writer.remove();
    assert.deepEqual(readSessions(join(dir, 'sessions')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('roadwarrior status with nothing running says so', async () => {
  const runtime = mkdtempSync(join(tmpdir(), 'rw-status-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI_ENTRY, 'status'], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    });
    assert.equal(stdout, 'no tunnels running\n');
  } finally {
    rmSync(runtime, { recursive: true, force: true });
  }
});
