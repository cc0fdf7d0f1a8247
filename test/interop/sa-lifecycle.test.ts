// SA lifecycle against the real gateway: strongSwan rekeys the ESP SAs on its own (we answer
// its Quick Mode as responder) without losing a packet, and forged ESP (a replay, a tampered
// copy) sent to the live tunnel is dropped, counted by reason, and changes nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  CountersEvent,
  EngineEvent,
  IkeSaEvent,
  IpsecSaEvent,
} from '../../app/shared/events.js';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, type LabOptions, startLab } from '../lab/index.js';
import { readUdpDatagrams } from '../support/pcapng.js';
import {
  type ClientFiles,
  clientFiles,
  connectCli,
  interopSkipReason,
  isConnected,
  reportSkippedSuite,
} from '../support/interop.js';

const skip = interopSkipReason();

const installed = (events: EngineEvent[]) =>
  events.filter(
    (e): e is IpsecSaEvent => e.type === 'sa' && e.kind === 'ipsec' && e.status === 'installed',
  );
const latestCounters = (events: EngineEvent[]) =>
  events.filter((e): e is CountersEvent => e.type === 'counters').at(-1);

/** One lab and one client profile for a describe block, gone after it. */
function labAndClient(options: LabOptions, profile: Record<string, unknown>) {
  const context = {} as { lab: Lab; files: ClientFiles };
  before(async () => {
    context.lab = await startLab(options);
    context.files = clientFiles(profile, LAB_DEFAULTS.groupPsk, 'alice-secret');
  });
  after(async () => {
    context.files?.remove();
    await context.lab?.stop();
  });
  return context;
}

const GATEWAY_REKEYS = [
  // strongSwan's Quick Mode uses PFS whenever any of its proposals has a group: none here
  {
    variant: 'without PFS',
    lab: { espProposals: ['aes256gcm16', 'aes128-sha1'] },
    profile: {},
    pfsGroup: undefined,
  },
  {
    variant: 'with PFS (the gateway sends KE, group 14)',
    lab: { espProposals: ['aes128-sha1-modp2048'] },
    profile: { espProposals: ['aes128-sha1'], pfs: 'modp2048' },
    pfsGroup: 14,
  },
];

for (const variant of GATEWAY_REKEYS)
  describe(`gateway-initiated ESP rekey ${variant.variant}`, { skip: skip !== undefined }, () => {
    // the gateway rekeys every 8 s; the client would only rekey after ~50 s
    const context = labAndClient(
      { childLifetimeSeconds: 60, childRekeySeconds: 8, ...variant.lab },
      { ipsecLifetimeSeconds: 3600, ...variant.profile },
    );

    test('a continuous ping across three gateway rekeys loses no packet; each rekey brings new SPIs', async () => {
      const { lab, files } = context;
      const cli = connectCli(lab, files);
      try {
        await cli.waitFor(isConnected, 15_000, 'connected');
        await lab.waitForChildInstalled(); // the loss counted here is the rekeys'
        const gatewaySpis = new Set<string>();
        let polling = true;
        const poll = (async () => {
          while (polling) {
            for (const sa of await lab.listSas())
              for (const child of sa.childSas) gatewaySpis.add(`${child.spiIn}/${child.spiOut}`);
            await new Promise((r) => setTimeout(r, 500));
          }
        })();
        const ping = await lab
          .execInClient('ping', ['-c', '150', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost], {
            timeoutMs: 60_000,
          })
          .finally(() => (polling = false));
        await poll;
        assert.match(ping.stdout, / 0% packet loss/);

        const sas = installed(cli.events);
        const rekeys = sas.filter((e) => e.rekeyCount > 0);
        assert.ok(
          rekeys.length >= 3,
          `at least three rekeys during the ping (saw ${rekeys.length})`,
        );
        const gatewayRekeys = cli.events.filter(
          (e) => e.type === 'log' && e.message === 'the gateway rekeyed the IPv4 ESP SA',
        );
        assert.equal(gatewayRekeys.length, rekeys.length, "every rekey was the gateway's");
        // the gateway saw each pair the client installed: its spiIn is our outbound SPI
        for (const sa of sas)
          assert.ok(
            gatewaySpis.has(`${sa.spiOut}/${sa.spiIn}`),
            `gateway lists ${sa.spiOut}/${sa.spiIn} (saw ${[...gatewaySpis].join(' ')})`,
          );
        assert.equal(new Set(sas.map((e) => e.spiIn)).size, sas.length, 'every rekey has new SPIs');
        for (const sa of rekeys) assert.equal(sa.pfsGroup, variant.pfsGroup);
        const counters = latestCounters(cli.events);
        assert.ok(counters);
        assert.equal(
          counters.total.noSaDrops + counters.total.replayDrops + counters.total.icvFailures,
          0,
        );
        const [ike] = await lab.listSas();
        assert.ok((ike?.childSas.length ?? 0) <= 2, 'old SAs are deleted after the grace period');
      } finally {
        assert.equal((await cli.stop()).code, 0);
      }
    });
  });

/** The gateway's ESP packets to the client, as the NAT's gateway-facing leg saw them. */
async function captureInboundEsp(lab: Lab, traffic: () => Promise<unknown>) {
  const capture = await lab.startCapture({
    filter: `udp and src host ${LAB_ADDRESSES.gateway} and src port 4500`,
  });
  try {
    await traffic();
  } finally {
    await capture.stop();
  }
  // ESP, not IKE (a zero non-ESP marker, RFC 3948 2.2) or a NAT keepalive (one byte)
  return readUdpDatagrams(capture.path).filter(
    (d) => d.payload.length > 8 && d.payload.readUInt32BE(0) !== 0,
  );
}

/** Sends UDP payloads from the gateway's own address and port 4500 to the NAT's public side,
 * as if charon sent them. charon holds port 4500, so the datagrams leave from another port
 * that an nftables rule rewrites to 4500 on the way out (stateless, checksum updated). */
async function sendAsGateway(lab: Lab, payloads: Buffer[], natPort: number): Promise<void> {
  const sourcePort = 40_000 + Math.floor(Math.random() * 20_000);
  await lab.exec('gw', 'nft', ['-f', '-'], {
    input: [
      'table ip rwinject {',
      '  chain out {',
      '    type filter hook output priority 0; policy accept;',
      `    udp sport ${sourcePort} udp sport set 4500`,
      '  }',
      '}',
    ].join('\n'),
  });
  const script = `
    const socket = require('node:dgram').createSocket('udp4');
    const [port, target, ...hex] = process.argv.slice(1);
    socket.bind(Number(port), async () => {
      for (const h of hex)
        await new Promise((resolve, reject) =>
          socket.send(Buffer.from(h, 'hex'), Number(target), '${LAB_ADDRESSES.natOutside}', (e) => (e ? reject(e) : resolve())));
      socket.close();
    });`;
  try {
    await lab.exec('gw', process.execPath, [
      '-e',
      script,
      String(sourcePort),
      String(natPort),
      ...payloads.map((p) => p.toString('hex')),
    ]);
  } finally {
    await lab.exec('gw', 'nft', ['delete', 'table', 'ip', 'rwinject']);
  }
}

describe('forged ESP against the live tunnel', { skip: skip !== undefined }, () => {
  const context = labAndClient({}, {});

  test('a replayed and a tampered ESP packet are dropped and counted; the tunnel keeps working', async () => {
    const { lab, files } = context;
    const cli = connectCli(lab, files);
    try {
      await cli.waitFor(isConnected, 15_000, 'connected');
      const [sa] = installed(cli.events);
      assert.ok(sa);
      const esp = await captureInboundEsp(lab, () =>
        lab.execInClient('ping', ['-c', '3', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost]),
      );
      const original = esp
        .filter((d) => d.payload.readUInt32BE(0) === Number.parseInt(sa.spiIn, 16))
        .at(-1);
      assert.ok(
        original,
        `captured an ESP packet for our inbound SPI ${sa.spiIn} (saw ${esp.length} ESP packets)`,
      );

      // one counters event after the pings, as the baseline
      const seen = cli.events.length;
      await cli.waitFor(
        (e) => e.type === 'counters' && cli.events.indexOf(e) >= seen,
        3_000,
        'counters',
      );
      const before = latestCounters(cli.events);
      assert.ok(before);
      assert.equal(before.total.packetsIn, 3);

      const replayed = Buffer.from(original.payload);
      // RFC 4303 3.4.3 checks the sequence number before the ICV: a copy of a packet already
      // received would count as a replay again, so the tampered one gets a sequence number
      // not seen yet as well as a flipped ciphertext byte (the ICV covers both)
      const tampered = Buffer.from(original.payload);
      tampered.writeUInt32BE(tampered.readUInt32BE(4) + 100, 4);
      const last = tampered.length - 20;
      tampered[last] = (tampered[last] ?? 0) ^ 0x01;
      await sendAsGateway(lab, [replayed, tampered], original.destinationPort);

      const seenAfter = cli.events.length;
      await new Promise((r) => setTimeout(r, 2_200)); // two counters events
      const after = latestCounters(cli.events.slice(seenAfter));
      assert.ok(after, 'counters events keep coming');
      assert.equal(after.total.replayDrops - before.total.replayDrops, 1, 'one replay drop');
      assert.equal(after.total.icvFailures - before.total.icvFailures, 1, 'one ICV failure');
      assert.equal(after.total.packetsIn, before.total.packetsIn, 'neither packet was accepted');
      const perSa = after.sas.find((c) => c.saId === sa.id);
      assert.equal(perSa?.replayDrops, 1, 'counted on the SA as well');
      assert.equal(perSa?.icvFailures, 1);

      // the forged sequence number did not move the replay window: later packets still pass
      await lab.execInClient('ping', ['-c', '3', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost]);
      await cli.waitFor(
        (e) => e.type === 'counters' && e.total.packetsIn === before.total.packetsIn + 3,
        3_000,
        'the next pings counted',
      );
    } finally {
      assert.equal((await cli.stop()).code, 0);
    }
  });
});

describe('phase 1 re-authentication', { skip: skip !== undefined }, () => {
  // the shortest IKE SA lifetime a profile allows: the client re-authenticates after ~51-54 s
  const context = labAndClient({}, { ikeLifetimeSeconds: 60 });

  test('before the IKE SA expires the client re-authenticates while a continuous ping loses nothing', async () => {
    const { lab, files } = context;
    const cli = connectCli(lab, files);
    try {
      await cli.waitFor(isConnected, 15_000, 'connected');
      await lab.waitForChildInstalled(); // the loss counted here is the re-authentication's
      const ping = lab.execInClient(
        'ping',
        ['-c', '330', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost],
        { timeoutMs: 90_000 },
      );
      const ikeSas = () =>
        cli.events.filter((e): e is IkeSaEvent => e.type === 'sa' && e.kind === 'ike');
      await cli.waitFor(() => ikeSas().length === 2, 75_000, 'a second IKE SA');
      assert.match((await ping).stdout, / 0% packet loss/);

      const [first, second] = ikeSas();
      assert.ok(first && second);
      assert.notEqual(second.initiatorCookie, first.initiatorCookie, 'a fresh IKE SA');
      const asked = cli.events.filter(
        (e) =>
          e.type === 'log' && e.phase === 'xauth' && e.message.startsWith('the gateway asks for'),
      );
      assert.equal(asked.length, 2, 'XAuth ran again, asking the credential provider');
      assert.ok(
        cli.events.some((e) => e.type === 'network') &&
          cli.events.filter((e) => e.type === 'network').length === 1,
        'the same virtual IP: the network was left as it was',
      );
      const sas = installed(cli.events);
      const newest = sas.at(-1);
      assert.ok(newest && newest.rekeyCount > 0, 'new ESP SAs under the new IKE SA');

      // the gateway holds only the new IKE SA, with the new ESP SA under it
      const [ike, ...others] = await lab.waitForSas(
        (list) => list.length === 1 && list[0]?.initiatorSpi === second.initiatorCookie,
        10_000,
        'only the new IKE SA',
      );
      assert.equal(others.length, 0);
      assert.equal(ike?.state, 'ESTABLISHED');
      assert.equal(ike?.remoteXauthId, 'alice');
      assert.deepEqual(
        ike?.childSas.map((c) => c.spiOut),
        [newest.spiIn],
        'one ESP SA, the one the client installed last',
      );
    } finally {
      assert.equal((await cli.stop()).code, 0);
    }
  });
});

reportSkippedSuite('SA lifecycle interop suite ran', skip);
