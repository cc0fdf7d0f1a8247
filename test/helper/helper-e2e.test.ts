// The helper and its client over a real Unix socket, with a fake data plane behind the helper:
// everything the engine does through an IkeChannel arrives intact on the other side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { HelperError, createHelperDataPlane } from '../../app/helper/client.js';
import { frame } from '../../app/helper/framing.js';
import type { DataPlaneEvent, IkeLeg } from '../../app/shared/dataplane-port.js';
import { HELPER_PROTOCOL_VERSION } from '../../app/shared/helper-protocol.js';
import { SA, freshSa, SETUP } from './support/fixtures.js';
import { startTestHelper } from './support/helper-harness.js';
import { RawClient } from './support/raw-client.js';
import { tempSocket } from './support/temp-socket.js';

const GATEWAY = '198.51.100.1';
const v = HELPER_PROTOCOL_VERSION;

test('openIke, IKE packets both ways, SA keys, network, events and close cross the helper', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const channel = await createHelperDataPlane({ socketPath: lab.socketPath }).openIke({
    gateway: GATEWAY,
    gatewayPort: 500,
  });
  const fake = await lab.dataPlane.channel(0);
  assert.deepEqual(fake.options, { gateway: GATEWAY, gatewayPort: 500 });
  assert.equal(channel.localAddress, fake.localAddress);
  assert.equal(channel.localPort, fake.localPort);
  assert.equal(channel.localNattPort, fake.localNattPort);

  // engine -> gateway
  const outbound = Buffer.from('aggressive mode message 1');
  channel.send(outbound, 'ike');
  channel.send(Buffer.from([0, 1, 2, 255]), 'natt');
  await fake.waitForSent(2);
  assert.deepEqual(fake.sent, [
    { packet: outbound, leg: 'ike' },
    { packet: Buffer.from([0, 1, 2, 255]), leg: 'natt' },
  ]);

  // gateway -> engine
  const received: { packet: Buffer; leg: IkeLeg }[] = [];
  const events: DataPlaneEvent[] = [];
  const before = Date.now();
  const gotPacket = new Promise<void>((resolve) =>
    channel.onPacket((packet, leg) => {
      received.push({ packet, leg });
      resolve();
    }),
  );
  channel.onEvent((event) => events.push(event));
  fake.deliver(Buffer.from('aggressive mode message 2'), 'natt');
  await gotPacket;
  assert.deepEqual(received, [{ packet: Buffer.from('aggressive mode message 2'), leg: 'natt' }]);
  assert.ok(channel.lastInboundAt() >= before, 'an IKE packet counts as liveness');

  const sent = freshSa();
  await channel.installSa(sent);
  assert.deepEqual(fake.installed, [SA]);
  assert.ok(Buffer.isBuffer(fake.installed[0]?.inbound.encryptionKey));
  for (const keys of [sent.inbound, sent.outbound]) {
    for (const bytes of [keys.encryptionKey, keys.integrityKey]) {
      assert.ok(bytes.length > 0 && bytes.every((byte) => byte === 0), 'wiped once sent');
    }
  }

  const applied = await channel.configureNetwork(SETUP);
  assert.deepEqual(fake.configured, [SETUP]);
  assert.deepEqual(applied, { tunName: 'rw7', mtu: 1400, changes: ['configured by builtin'] });

  channel.setKeepalive(20);
  fake.inboundAt = Date.now() + 60_000; // ESP arriving in the helper, seen through liveness
  fake.emit({ type: 'rekey-needed', saId: 'child-1', reason: 'sequence numbers' });
  fake.emit({ type: 'failure', code: 'tun-read-failed', message: 'boom' });
  const deadline = Date.now() + 3000;
  while (
    (events.length < 2 || channel.lastInboundAt() !== fake.inboundAt) &&
    Date.now() < deadline
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(events, [
    { type: 'rekey-needed', saId: 'child-1', reason: 'sequence numbers' },
    { type: 'failure', code: 'tun-read-failed', message: 'boom' },
  ]);
  assert.equal(channel.lastInboundAt(), fake.inboundAt, 'ESP liveness pushed by the helper');
  assert.deepEqual(fake.keepalives, [20]);

  await channel.removeSa('child-1');
  assert.deepEqual(fake.removed, ['child-1']);
  await channel.deconfigureNetwork();
  assert.equal(fake.deconfigureCalls, 1);

  await channel.close();
  await channel.close(); // safe twice
  assert.equal(fake.closeCalls, 1);
  await lab.waitForLog(/tunnel 1 of uid 0 .* closed \(closed by the client\)/);
});

test('a data-plane error reaches the engine as a rejected promise with its code', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const { channel, fake } = await lab.openChannel();
  fake.installSa = () =>
    Promise.reject(Object.assign(new Error('unsupported transform'), { code: 'bad-transform' }));
  await assert.rejects(channel.installSa(freshSa()), (error: unknown) => {
    assert.ok(error instanceof HelperError);
    assert.equal(error.code, 'bad-transform');
    assert.equal(error.message, 'unsupported transform');
    return true;
  });
  await channel.close();
});

test('a script outside admin-owned directories is refused and logged; a system one is honoured', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const { channel, fake } = await lab.openChannel();
  for (const path of ['/tmp/evil-script', '/bin/sh', '/usr/share/vpnc-scripts/../../../bin/sh']) {
    await assert.rejects(
      channel.configureNetwork({ ...SETUP, script: { path } }),
      (error: HelperError) => error.code === 'script-refused',
      path,
    );
  }
  await lab.waitForLog(
    /refused configureNetwork from uid 0 .*\/bin\/sh is not inside an admin-owned script directory/,
  );
  assert.deepEqual(fake.configured, [], 'the data plane never saw a refused script');

  const applied = await channel.configureNetwork({
    ...SETUP,
    script: { path: '/usr/share/vpnc-scripts/vpnc-script' },
  });
  assert.deepEqual(applied.changes, ['configured by script /usr/share/vpnc-scripts/vpnc-script']);
  await channel.close();
});

test('one tunnel per connection, TUN names unique, privileged non-IKE local ports refused', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const dataPlane = createHelperDataPlane({ socketPath: lab.socketPath });
  const first = await dataPlane.openIke({ gateway: GATEWAY });
  const second = await dataPlane.openIke({ gateway: GATEWAY, localPort: 500, localNattPort: 4500 });
  await first.configureNetwork(SETUP);
  await assert.rejects(
    second.configureNetwork(SETUP),
    (error: HelperError) => error.code === 'tunnel-name-in-use',
  );
  await assert.rejects(
    dataPlane.openIke({ gateway: GATEWAY, localPort: 22 }),
    (error: HelperError) => error.code === 'port-refused' && /22 is privileged/.test(error.message),
  );

  const raw = await RawClient.connect(lab.socketPath);
  t.after(() => raw.close());
  raw.sendJson({ v, id: 1, method: 'openIke', options: { gateway: GATEWAY } });
  assert.equal((await raw.next()).type, 'opened');
  raw.sendJson({ v, id: 2, method: 'openIke', options: { gateway: GATEWAY } });
  assert.deepEqual(await raw.next(), {
    v,
    type: 'error',
    id: 2,
    code: 'tunnel-open',
    message: 'this connection already has a tunnel; close it first',
  });
  await first.close();
  await second.close();
});

test('malformed, unknown-version and oversized frames are refused with a reason; the helper keeps serving', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const { channel: good, fake } = await lab.openChannel();

  const bad = await RawClient.connect(lab.socketPath);
  t.after(() => bad.close());
  bad.sendBytes(Buffer.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]));
  assert.deepEqual(await bad.next(), {
    v,
    type: 'error',
    id: null,
    code: 'malformed',
    message: 'frame is not JSON',
  });
  bad.sendJson({ v: 99, id: 5, method: 'close', tunnel: 1 });
  const version = await bad.next();
  assert.equal(version.code, 'unsupported-version');
  assert.equal(version.id, 5);
  assert.match(String(version.message), /version 99 is not supported/);
  bad.sendJson({ v, id: 6, method: 'installSa', tunnel: 1, sa: { id: 'x' } });
  const invalid = await bad.next();
  assert.equal(invalid.code, 'malformed');
  assert.equal(invalid.id, 6);
  // the same connection still works after refusals: framing is intact
  bad.sendJson({ v, id: 7, method: 'openIke', options: { gateway: GATEWAY } });
  assert.equal((await bad.next()).type, 'opened');

  const huge = await RawClient.connect(lab.socketPath);
  t.after(() => huge.close());
  const header = Buffer.alloc(4);
  header.writeUInt32BE(10 * 1024 * 1024);
  huge.sendBytes(header);
  const tooLarge = await huge.next();
  assert.equal(tooLarge.code, 'frame-too-large');
  assert.match(String(tooLarge.message), /10485760 bytes exceeds the 262144-byte limit/);
  await huge.waitClosed();

  await lab.waitForLog(/refused frame from uid 0 .*not JSON/);
  await lab.waitForLog(/refused frame from uid 0 .*version 99/);
  await lab.waitForLog(/refused frame from uid 0 .*exceeds/);
  assert.ok(
    lab.logs.some(
      (l) =>
        l.level === 'warn' &&
        l.message.includes(`refused frame from uid 0`) &&
        l.message.endsWith(String(invalid.message)),
    ),
    'the schema refusal is logged with its reason',
  );

  // the first client never noticed
  good.send(Buffer.from('still here'), 'ike');
  await fake.waitForSent(1);
  await good.installSa(freshSa());
  assert.equal(fake.installed.length, 1);
  await good.close();
});

test('with only uid 4242 allowed, root (admin tools, tests) is still served', async (t) => {
  const lab = await startTestHelper({ access: { uids: [4242] } });
  t.after(() => lab.stop());
  const { channel, fake } = await lab.openChannel();
  assert.equal(channel.localPort, fake.localPort);
  await channel.close();
});

test('cleanupStale runs before the helper accepts clients, and its report is logged', async (t) => {
  const calls: string[] = [];
  const lab = await startTestHelper({
    cleanupStale: async (stateDir) => {
      calls.push(stateDir);
      return {
        restored: [`${stateDir}/rw0.json`],
        skipped: [],
        elsewhere: [],
        failed: ['rw1.json: ip failed'],
      };
    },
  });
  t.after(() => lab.stop());
  assert.equal(calls.length, 1);
  await lab.waitForLog(/restored what a previous run left: .*rw0\.json/);
  await lab.waitForLog(/could not clean up: rw1\.json: ip failed/);
});

test('a broken helper cannot take the app down: bad frames end in a clear helper-lost error', async (t) => {
  const temp = await tempSocket();
  t.after(() => temp.remove());
  const answers: Buffer[] = [
    frame(JSON.stringify({ v, type: 'opened', id: 1, tunnel: 'one' })),
    Buffer.from([0xff, 0xff, 0xff, 0xff]),
  ];
  const impostor = createServer((socket) => socket.end(answers.shift() ?? Buffer.alloc(0)));
  await new Promise<void>((resolve) => impostor.listen(temp.socketPath, resolve));
  t.after(() => impostor.close());
  const dataPlane = createHelperDataPlane({ socketPath: temp.socketPath });
  await assert.rejects(dataPlane.openIke({ gateway: GATEWAY }), (error: HelperError) => {
    assert.equal(error.code, 'helper-lost');
    assert.match(error.message, /helper sent an invalid frame.*tunnel/s);
    return true;
  });
  await assert.rejects(
    dataPlane.openIke({ gateway: GATEWAY }),
    /helper connection lost \(frame of 4294967295 bytes exceeds the 262144-byte limit\)/,
  );
});

test('what does not fit the protocol is reported, never thrown into the engine', async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const { channel, fake } = await lab.openChannel();
  const events: DataPlaneEvent[] = [];
  channel.onEvent((event) => events.push(event));
  channel.send(Buffer.alloc(70_000), 'natt'); // larger than any UDP datagram
  assert.equal(events[0]?.type, 'log');
  assert.match(events[0]?.type === 'log' ? events[0].message : '', /^send: /);
  await assert.rejects(
    channel.installSa(freshSa({ id: '' })),
    (error: HelperError) => error.code === 'malformed',
  );
  await channel.installSa(freshSa()); // the connection is still fine
  assert.equal(fake.installed.length, 1);
  await channel.close();
});
