// Route policy in the helper, whoever asks: a gateway is a remote host and the one the IKE leg
// went to; one network set-up per tunnel; one tunnel at a time owning routes and DNS (another
// user's more specific routes would capture the first tunnel's traffic); a few tunnels per user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { gatewayProblem } from '../../app/helper/gateway-policy.js';
import { MAX_TUNNELS_PER_USER } from '../../app/helper/tunnels.js';
import type { IkeChannel } from '../../app/shared/dataplane-port.js';
import {
  ClientFrameSchema,
  HELPER_PROTOCOL_VERSION,
  encodeFrame,
} from '../../app/shared/helper-protocol.js';
import type { NetworkSetup } from '../../app/shared/network-setup.js';
import { runTs } from './support/child.js';
import { SETUP } from './support/fixtures.js';
import { NOBODY, startTestHelper } from './support/helper-harness.js';
import { reportSkippedSuite } from '../support/interop.js';
import { rootLabSkipReason } from './support/root-lab.js';

/** these tests run as root: other users through setpriv, files owned by others, /run */
const ROOT = { skip: rootLabSkipReason() ?? false };
reportSkippedSuite('helper route policy', rootLabSkipReason());

const v = HELPER_PROTOCOL_VERSION;
const GATEWAY = SETUP.gateway;

/** Sends messages as `nobody` and returns the helper's answers. */
async function asNobody(socketPath: string, messages: unknown[]) {
  const run = runTs('./raw-client-cli.ts', [socketPath, JSON.stringify(messages)], { uid: NOBODY });
  const { code } = await run.exited;
  assert.equal(code, 0, run.stderr.join('\n'));
  return run.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function configureFrame(id: number, tunnel: number, setup: NetworkSetup): unknown {
  return JSON.parse(
    encodeFrame(ClientFrameSchema, { v, id, method: 'configureNetwork', tunnel, setup }),
  );
}

/** the refusal code of a rejected helper call */
async function refusal(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => assert.fail('the helper carried it out'),
    (error: unknown) => error as { code: string; message: string },
  );
  return `${error.code}: ${error.message}`;
}

test('what is never a gateway: loopback, link-local, multicast, unspecified, broadcast, own addresses', () => {
  for (const address of [
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '::ffff:127.0.0.1',
    '169.254.1.1',
    'fe80::1',
    '224.0.0.5',
    'ff02::1',
    '0.0.0.0',
    '::',
    '255.255.255.255',
  ]) {
    assert.match(gatewayProblem(address, () => []) ?? '', /not a remote host/, address);
  }
  assert.equal(
    gatewayProblem('192.0.2.2', () => ['192.0.2.2', 'fd00::2']),
    'gateway 192.0.2.2 is an address of this host, not a remote host',
  );
  assert.equal(
    gatewayProblem('FD00::2', () => ['fd00::2']),
    'gateway FD00::2 is an address of this host, not a remote host',
  );
  assert.equal(
    gatewayProblem('198.51.100.1', () => ['192.0.2.2']),
    undefined,
  );
  assert.equal(
    gatewayProblem('2001:db8::1', () => []),
    undefined,
  );
});

test(
  'openIke to a gateway on this host is refused before any socket is opened',
  ROOT,
  async (t) => {
    const lab = await startTestHelper();
    t.after(() => lab.stop());
    const own = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry && !entry.internal && entry.family === 'IPv4')?.address;
    for (const gateway of [
      '127.0.0.1',
      '::ffff:127.0.0.1',
      '169.254.169.254',
      '224.0.0.1',
      ...(own ? [own] : []),
    ]) {
      assert.match(
        await refusal(lab.openChannel({ gateway })),
        /^gateway-refused: gateway .* not a remote host$/,
      );
    }
    assert.equal(lab.dataPlane.channels.length, 0, 'the data plane never saw them');
    await lab.waitForLog(
      /refused openIke from uid 0 .*: gateway 127\.0\.0\.1 is a loopback address/,
    );
  },
);

test('the network set-up must name the gateway the IKE leg was opened to', ROOT, async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const { channel, fake } = await lab.openChannel({ gateway: GATEWAY });
  assert.equal(
    await refusal(channel.configureNetwork({ ...SETUP, gateway: '198.51.100.99' })),
    `gateway-refused: the network set-up names gateway 198.51.100.99, but tunnel 1 was opened to ${GATEWAY}`,
  );
  assert.deepEqual(fake.configured, []);
  await channel.configureNetwork(SETUP);
  assert.equal(fake.configured.length, 1);
  await channel.close();
});

test(
  'a second configureNetwork on a configured tunnel is refused; the first set-up stays the only one',
  ROOT,
  async (t) => {
    const lab = await startTestHelper();
    t.after(() => lab.stop());
    const { channel, fake } = await lab.openChannel();
    await channel.configureNetwork(SETUP);
    assert.equal(
      await refusal(channel.configureNetwork({ ...SETUP, tunName: 'rw8' })),
      'already-configured: tunnel 1 has its network on rw7 already; deconfigure it first',
    );
    // concurrent ones too: the first reserves the tunnel before it awaits anything
    await channel.deconfigureNetwork();
    const [first, second] = await Promise.allSettled([
      channel.configureNetwork(SETUP),
      channel.configureNetwork({ ...SETUP, tunName: 'rw8' }),
    ]);
    assert.equal(first.status, 'fulfilled');
    assert.equal(second.status, 'rejected');
    assert.deepEqual(
      fake.configured.map((setup) => setup.tunName),
      ['rw7', 'rw7'],
    );
    assert.equal(fake.deconfigureCalls, 1);
    await channel.close();
    assert.equal(fake.closeCalls, 1);
  },
);

test(
  'another user cannot add routes while a tunnel owns them; a tunnel without routes is fine',
  ROOT,
  async (t) => {
    const lab = await startTestHelper();
    t.after(() => lab.stop());
    const { channel: rootChannel } = await lab.openChannel();
    await rootChannel.configureNetwork(SETUP);

    // nobody's more specific split would capture root's tunnel traffic
    const capture: NetworkSetup = {
      ...SETUP,
      tunName: 'rw9',
      config: {
        ...SETUP.config,
        splitInclude: [
          {
            network: { address: '198.19.7.0', prefix: 24 },
            protocol: 0,
            sourcePort: 0,
            destinationPort: 0,
          },
        ],
      },
    };
    const answers = await asNobody(lab.socketPath, [
      { v, id: 1, method: 'openIke', options: { gateway: GATEWAY } },
      configureFrame(2, 2, capture),
      configureFrame(3, 2, { ...capture, script: 'none' }),
    ]);
    assert.equal(answers[0]?.type, 'opened');
    assert.deepEqual(answers[1], {
      v,
      type: 'error',
      id: 2,
      code: 'routes-in-use',
      message:
        'tunnel 1 of another user has configured the network; only one tunnel at a time may change routes and DNS',
    });
    assert.equal(answers[2]?.type, 'applied');
    const nobodyFake = await lab.dataPlane.channel(1);
    assert.deepEqual(
      nobodyFake.configured.map((setup) => setup.script),
      ['none'],
      'only the set-up without routes reached the data plane',
    );
    await lab.waitForLog(/refused configureNetwork from uid 65534 .*tunnel 1 of another user/);

    // once root's tunnel gives up its routes, the next may take them
    await rootChannel.deconfigureNetwork();
    const again = await asNobody(lab.socketPath, [
      { v, id: 1, method: 'openIke', options: { gateway: GATEWAY } },
      configureFrame(2, 3, capture),
    ]);
    assert.equal(again[1]?.type, 'applied');
    await rootChannel.close();
  },
);

test(`at most ${MAX_TUNNELS_PER_USER} open tunnels per user`, ROOT, async (t) => {
  const lab = await startTestHelper();
  t.after(() => lab.stop());
  const channels: IkeChannel[] = [];
  for (let i = 0; i < MAX_TUNNELS_PER_USER; i++) channels.push((await lab.openChannel()).channel);
  assert.equal(
    await refusal(lab.openChannel()),
    `too-many-tunnels: uid 0 has ${MAX_TUNNELS_PER_USER} tunnels open already; close one first`,
  );
  // another user is not held back by this one's tunnels
  const answers = await asNobody(lab.socketPath, [
    { v, id: 1, method: 'openIke', options: { gateway: GATEWAY } },
  ]);
  assert.equal(answers[0]?.type, 'opened');
  await channels.pop()?.close();
  channels.push((await lab.openChannel()).channel);
  await Promise.all(channels.map((channel) => channel.close()));
});

test(
  'a tunnel still undoing its routes (its app just left) makes the next set-up wait, not fail',
  ROOT,
  async (t) => {
    const lab = await startTestHelper();
    t.after(() => lab.stop());
    const { channel: leaving, fake: leavingFake } = await lab.openChannel();
    await leaving.configureNetwork(SETUP);
    const { channel: next } = await lab.openChannel();

    // the leaving tunnel's undo is held until the next set-up is seen waiting for it
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => (entered = resolve));
    const close = leavingFake.close.bind(leavingFake);
    leavingFake.close = async () => {
      entered();
      await held;
      await close();
    };
    const closed = leaving.close();
    await closing; // the helper is undoing tunnel 1's network now
    const configured = next.configureNetwork({ ...SETUP, tunName: 'rw8' });
    const outcome = await Promise.race([
      lab.waitForLog(/tunnel 2 waits for tunnel 1 to undo its network/).then(() => 'waits'),
      configured.then(
        () => 'configured while the other still had its routes',
        (error: Error) => `refused: ${error.message}`,
      ),
    ]);
    assert.equal(outcome, 'waits');
    release();
    assert.equal((await configured).tunName, 'rw8');
    await closed;
    assert.equal(leavingFake.closeCalls, 1);
    await next.close();
  },
);
