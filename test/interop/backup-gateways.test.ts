// Backup gateways against the real strongSwan head-end (issue 15 item 8). The head-end has a
// second public address (LAB_ADDRESSES.gatewayBackup) that it serves like its own. A gateway
// that does not answer is that address or the head-end's own behind an nftables drop in the NAT
// namespace; one that refuses is the NAT's outside address, where nothing listens on UDP 500
// (ICMP port unreachable). The cluster's load-balancing redirect stays in memory
// (test/engine/backup-servers.test.ts): strongSwan cannot play a cluster.
//
// Unity BACKUP_SERVERS (28681) comes from strongSwan's pool as a string (lab option
// backupServers): learnt on one connect, it is tried on the next when the gateway no longer
// answers. The CLI remembers the list only while its process runs (the profile is not
// rewritten), so that case runs the engine in this process with the data plane in the lab's
// privileged helper, as the desktop service does across its connects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CredentialProvider } from '../../app/engine/api.js';
import { connect } from '../../app/engine/index.js';
import { createHelperDataPlane } from '../../app/helper/client.js';
import { withBackupGateways } from '../../app/profiles/backup-gateways.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { ProfileSchema } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';
import { nftFault, nftFaultCount } from '../lab/faults.js';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../lab/index.js';
import {
  type ClientFiles,
  type LabHelper,
  clientFiles,
  connectCli,
  interopSkipReason,
  isConnected,
  pingFromClient,
  reportSkippedSuite,
  startHelper,
  waitForTunnel,
} from '../support/interop.js';

const skip = interopSkipReason();
reportSkippedSuite('backup gateways against the strongSwan lab', skip);

const USER = LAB_DEFAULTS.users[0]!;
const { gateway: GATEWAY, gatewayBackup: BACKUP, natOutside: NO_DAEMON } = LAB_ADDRESSES;
/** what the head-end announces: its backup address first, then its own */
const ANNOUNCED = [BACKUP, GATEWAY];

/** IKE to `address` vanishes in the NAT (counted): the address does not answer. */
const silence = (lab: Lab, address: string) =>
  nftFault(lab, [`ip daddr ${address} udp dport { 500, 4500 } counter drop`]);

const logLines = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
const failures = (events: EngineEvent[]) =>
  events.filter((e) => e.type === 'error' || (e.type === 'diagnosis' && !e.cleared));

describe('backup gateways against strongSwan', { skip: skip !== undefined }, () => {
  let lab: Lab;
  const made: ClientFiles[] = [];
  const files = (profile: Record<string, unknown>) => {
    const f = clientFiles(profile, LAB_DEFAULTS.groupPsk, USER.password);
    made.push(f);
    return f;
  };

  before(async () => {
    lab = await startLab({ backupServers: ANNOUNCED });
  });
  after(async () => {
    for (const f of made) f.remove();
    await lab?.stop();
  });

  /** A CLI connect whose gateways are `gateway` then `backupGateways`: connected through
   * `expected`, the gateway sees the tunnel, a ping crosses it; returns the events. */
  async function connectsThrough(
    profile: { gateway: string; backupGateways: string[] },
    expected: string,
  ): Promise<EngineEvent[]> {
    const cli = connectCli(lab, files(profile));
    try {
      const up = await cli.waitFor(isConnected, 90_000, `connected through ${expected}`);
      assert.equal(up.gateway, expected);
      const sa = await waitForTunnel(lab);
      assert.equal(sa.localHost, expected, 'the head-end took the SA on that address');
      await pingFromClient(lab, 2);
      return cli.events;
    } finally {
      await cli.stop();
      await lab.waitForSas((sas) => sas.length === 0, 10_000, 'no SA after disconnect');
    }
  }

  test('the profile gateway does not answer: the CLI says so and connects to the backup', async () => {
    const lift = await silence(lab, BACKUP);
    try {
      const events = await connectsThrough({ gateway: BACKUP, backupGateways: [GATEWAY] }, GATEWAY);
      assert.ok(
        logLines(events).some(
          (l) =>
            l.startsWith(`${BACKUP} does not answer (`) &&
            l.endsWith(`: trying the backup gateway ${GATEWAY}`),
        ),
        logLines(events).join('\n'),
      );
      assert.ok((await nftFaultCount(lab)) > 0, 'message 1 went to the first gateway');
      assert.deepEqual(failures(events), [], 'a gateway with a backup left is no failure');
    } finally {
      await lift();
    }
  });

  test('the profile gateway refuses with ICMP port unreachable: the backup is tried at once', async () => {
    const events = await connectsThrough(
      { gateway: NO_DAEMON, backupGateways: [GATEWAY] },
      GATEWAY,
    );
    const lines = logLines(events);
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith(`${NO_DAEMON} refuses IKE (`) &&
          l.includes('port unreachable (ECONNREFUSED)') &&
          l.endsWith(`: trying the backup gateway ${GATEWAY}`),
      ),
      lines.join('\n'),
    );
    assert.ok(
      !lines.some((l) => l.startsWith(`${NO_DAEMON} does not answer`)),
      'left on the ICMP error, not after the retransmissions',
    );
    assert.deepEqual(failures(events), []);
  });

  describe("the head-end's Unity BACKUP_SERVERS", () => {
    let helper: LabHelper;
    before(async () => (helper = await startHelper(lab)));
    after(async () => helper?.stop());

    const credentials: CredentialProvider = {
      groupPsk: async () => Secret.fromString(LAB_DEFAULTS.groupPsk),
      xauth: async () => ({ username: USER.name, password: Secret.fromString(USER.password) }),
    };

    test('learnt on one connect, tried on the next when the gateway no longer answers', async () => {
      const connectVia = withBackupGateways(connect);
      const attempt = () => {
        const connection = connectVia({
          profile: ProfileSchema.parse({
            name: 'lab',
            gateway: GATEWAY,
            group: LAB_DEFAULTS.group,
            username: USER.name,
          }),
          credentials,
          dataPlane: createHelperDataPlane({ socketPath: helper.socket }),
          skipDns: true,
        });
        const events: EngineEvent[] = [];
        connection.onEvent((event) => events.push(event));
        return { connection, events };
      };

      const first = attempt();
      await first.connection.connected;
      const network = first.events.find((e) => e.type === 'network');
      assert.deepEqual(network?.type === 'network' && network.backupServers, ANNOUNCED);
      await first.connection.disconnect();
      await lab.waitForSas((sas) => sas.length === 0, 10_000, 'no SA after disconnect');

      const lift = await silence(lab, GATEWAY);
      try {
        const second = attempt();
        await second.connection.connected;
        const up = second.events.find((e) => e.type === 'state' && e.state === 'connected');
        assert.equal(up?.type === 'state' && up.gateway, BACKUP);
        assert.ok(
          logLines(second.events).some(
            (l) =>
              l.startsWith(`${GATEWAY} does not answer (`) &&
              l.endsWith(`: trying the backup gateway ${BACKUP}`),
          ),
          logLines(second.events).join('\n'),
        );
        const sa = await waitForTunnel(lab);
        assert.equal(sa.localHost, BACKUP);
        await pingFromClient(lab, 2);
        await second.connection.disconnect();
      } finally {
        await lift();
      }
    });
  });
});
