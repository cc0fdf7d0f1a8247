// Backup gateways from the gateway itself (issue 15 item 8), in memory against the gateway
// double: a cluster master's load-balancing redirect (notify 40501 with the member's IPv4
// address, as strongSwan's and Shrew Soft's clients follow it) is followed to the member, and
// the Unity BACKUP_SERVERS list a gateway sent in Mode Config joins the profile's gateways for
// the next attempt. strongSwan cannot play a load-balancing cluster, hence in memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredentialProvider, VpnConnection } from '../../app/engine/api.js';
import { connect } from '../../app/engine/index.js';
import { withBackupGateways } from '../../app/profiles/backup-gateways.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { ProfileSchema } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';
import { FakeGateway } from './support/fake-gateway.js';
import type { ResponderOptions } from './support/fake-responder.js';
import { GatewaysByAddress, redirectAfterXauth } from './support/redirect-gateway.js';

const [MASTER, MEMBER, BACKUP] = ['192.0.2.1', '192.0.2.7', '192.0.2.9'];
const PSK = 'cluster-group-key';

const credentials: CredentialProvider = {
  groupPsk: async () => Secret.fromString(PSK),
  xauth: async () => ({ username: 'alice', password: Secret.fromString('alice-pw') }),
};

function gatewayDouble(more: Partial<ResponderOptions> = {}): FakeGateway {
  return new FakeGateway({
    psk: PSK,
    username: 'alice',
    password: 'alice-pw',
    virtualIp: '10.99.0.7',
    ...more,
  });
}

function start(
  gateways: GatewaysByAddress,
  connectVia = withBackupGateways(connect),
  { backupGateways = [] as string[], timing = { initialMs: 20, tries: 2 } } = {},
): { connection: VpnConnection; events: EngineEvent[] } {
  const connection = connectVia({
    profile: ProfileSchema.parse({
      name: 'HQ',
      gateway: MASTER,
      backupGateways,
      group: 'g',
      username: 'alice',
    }),
    credentials,
    dataPlane: gateways,
    skipDns: true,
    timing,
  });
  const events: EngineEvent[] = [];
  connection.onEvent((event) => events.push(event));
  return { connection, events };
}

const logLines = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'log' ? [e.message] : []));

test('a cluster master redirects after XAuth: we connect to the member it names', async () => {
  const gateways = new GatewaysByAddress({
    [MASTER]: gatewayDouble({ tamper: redirectAfterXauth(MEMBER) }),
    [MEMBER]: gatewayDouble(),
  });
  const { connection, events } = start(gateways);
  await connection.connected;
  assert.deepEqual(gateways.opened, [MASTER, MEMBER]);
  assert.ok(
    logLines(events).includes(
      `${MASTER} redirects us to the cluster member ${MEMBER} (Cisco load balancing): connecting there`,
    ),
  );
  assert.ok(logLines(events).includes(`the gateway's cluster redirects us to ${MEMBER}`));
  assert.ok(
    !events.some((e) => e.type === 'error' || e.type === 'diagnosis'),
    'the redirect is not shown as a failure',
  );
  assert.ok(
    events.some((e) => e.type === 'state' && e.state === 'connected' && e.gateway === MEMBER),
  );
  await connection.disconnect();
  assert.equal(await connection.closed, undefined);
});

test('a cluster that keeps redirecting ends as gateway-redirected, diagnosed once', async () => {
  const gateways = new GatewaysByAddress({
    [MASTER]: gatewayDouble({ tamper: redirectAfterXauth(MEMBER) }),
    [MEMBER]: gatewayDouble({ tamper: redirectAfterXauth(MASTER) }),
  });
  const { connection, events } = start(gateways);
  const failure = await connection.closed;
  assert.equal(failure?.code, 'gateway-redirected');
  assert.equal(failure?.redirectTo, MEMBER);
  await assert.rejects(connection.connected, /redirected us to/);
  assert.deepEqual(gateways.opened, [MASTER, MEMBER, MASTER, MEMBER, MASTER]);
  assert.equal(events.filter((e) => e.type === 'error').length, 1);
  const diagnoses = events.flatMap((e) => (e.type === 'diagnosis' ? [e] : []));
  assert.deepEqual(
    diagnoses.map((d) => d.code),
    ['redirect-loop'],
    'only the last redirect, the one not followed, is diagnosed',
  );
  assert.ok(diagnoses[0]?.evidence.some((line) => line.includes(MEMBER)));
});

test("a gateway's Unity backup servers are tried on the next attempt when it does not answer", async () => {
  const connectVia = withBackupGateways(connect);
  const gateways = new GatewaysByAddress({
    [MASTER]: gatewayDouble({ backupServers: [BACKUP, MASTER] }),
  });
  const first = start(gateways, connectVia);
  await first.connection.connected;
  const network = first.events.find((e) => e.type === 'network');
  assert.deepEqual(network?.type === 'network' && network.backupServers, [BACKUP, MASTER]);
  await first.connection.disconnect();

  gateways.gateways[MASTER] = 'silent';
  gateways.gateways[BACKUP] = gatewayDouble();
  gateways.opened.length = 0;
  const second = start(gateways, connectVia);
  await second.connection.connected;
  assert.deepEqual(gateways.opened, [MASTER, BACKUP], 'each gateway once, the profile first');
  assert.ok(
    logLines(second.events).some(
      (l) =>
        l.startsWith(`${MASTER} does not answer (`) &&
        l.endsWith(`trying the backup gateway ${BACKUP}`),
    ),
  );
  await second.connection.disconnect();
});

test('without a backup list from the gateway, a silent gateway is the answer', async () => {
  const gateways = new GatewaysByAddress({ [MASTER]: 'silent' });
  const { connection } = start(gateways);
  assert.equal((await connection.closed)?.code, 'gateway-unreachable');
  assert.deepEqual(gateways.opened, [MASTER]);
});

test('a gateway that answers with ICMP port unreachable is left at once for the backup', async () => {
  const gateways = new GatewaysByAddress({ [MASTER]: 'refused', [BACKUP]: gatewayDouble() });
  const { connection, events } = start(gateways, withBackupGateways(connect), {
    backupGateways: [BACKUP],
    timing: { initialMs: 30_000, tries: 2 },
  });
  // only the ICMP error can move it on within the test: without it the retransmissions would
  // hold the connection (and the test) for 90 s
  let stuck = false;
  const deadline = setTimeout(() => {
    stuck = true;
    void connection.disconnect();
  }, 10_000);
  await connection.connected
    .catch((error: unknown) => {
      throw stuck
        ? new Error(
            'after 10 s still not on the backup: the ICMP error did not move the connection on',
          )
        : error;
    })
    .finally(() => clearTimeout(deadline));
  assert.deepEqual(gateways.opened, [MASTER, BACKUP]);
  assert.ok(
    logLines(events).includes(
      `${MASTER} refuses IKE (ICMP error for our IKE packets to ${MASTER} UDP 500: port unreachable (ECONNREFUSED)): trying the backup gateway ${BACKUP}`,
    ),
    logLines(events).join('\n'),
  );
  assert.ok(
    !events.some((e) => e.type === 'error' || e.type === 'diagnosis'),
    'the refusal of a gateway with a backup left is not shown as a failure',
  );
  await connection.disconnect();
});

test('the last gateway refusing with ICMP is diagnosed, not left', async () => {
  const gateways = new GatewaysByAddress({ [MASTER]: 'refused' });
  const { connection, events } = start(gateways);
  assert.equal((await connection.closed)?.code, 'gateway-unreachable');
  assert.deepEqual(gateways.opened, [MASTER]);
  const diagnoses = events.flatMap((e) => (e.type === 'diagnosis' && !e.cleared ? [e.code] : []));
  assert.equal(diagnoses.at(-1), 'icmp-unreachable');
});
