// The gateway over IPv6 (issue 15 item 9), against strongSwan: the lab gives the client the
// gateway's IPv6 address (gatewayFamily 6), IKE and ESP-in-UDP run over IPv6 through the lab's
// NAT66, the tunnel carries IPv4. Once per transport: the data plane in process, and in the
// privileged helper.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, describe, test } from 'node:test';
import type { CountersEvent, DiagnosisEvent, EngineEvent } from '../../app/shared/events.js';
import { ESP_BLOCKED_RULES, nftFault } from '../lab/faults.js';
import { type Lab, LAB_ADDRESSES, LAB_ADDRESSES6 } from '../lab/index.js';
import { makeTestPki } from '../lab/pki.js';
import {
  IN_PROCESS,
  type Transport,
  VIA_HELPER,
  hasLockdownTable,
  interopSkipReason,
  isConnected,
  networkSnapshot,
  pingFromClient,
  reachesFromClient,
  reportSkippedSuite,
  suiteLab,
  waitForTunnel,
} from '../support/interop.js';

const skip = interopSkipReason();
const raised = (e: EngineEvent): e is DiagnosisEvent => e.type === 'diagnosis' && !e.cleared;

/** networkSnapshot() with the IPv6 side too: the gateway's host route is an IPv6 one here. */
async function dualStackSnapshot(lab: Lab): Promise<string> {
  const ipv6 = await Promise.all([
    lab.execInClient('ip', ['-6', '-o', 'addr', 'show']),
    lab.execInClient('ip', ['-6', 'route', 'show', 'table', 'all']),
  ]);
  return [await networkSnapshot(lab), ...ipv6.map((p) => p.stdout)].join('\n--\n');
}

function ipv6GatewaySuite(transport: Transport): void {
  describe(`the gateway over IPv6 (strongSwan, ${transport.label})`, { skip: !!skip }, () => {
    const suite = suiteLab(transport, { gatewayFamily: 6 });

    test('IKE and ESP over IPv6 through NAT66: ping reaches the LAN, counters equal the gateway’s, nothing is left behind', async () => {
      const { lab } = suite;
      assert.equal(lab.gatewayAddress, LAB_ADDRESSES6.gateway);
      const baseline = await dualStackSnapshot(lab);
      const cli = suite.connect();
      try {
        await cli.waitFor(isConnected, 20_000, 'connected');
        const sa = await waitForTunnel(lab);
        assert.equal(sa.remoteHost, LAB_ADDRESSES6.natOutside, 'the NAT66 address of the client');
        assert.equal(sa.localPort, 4500, 'floated to the NAT-T port');
        assert.equal(sa.natRemote, true, 'the gateway found the NAT in front of us');
        const ike = cli.events.find((e) => e.type === 'sa' && e.kind === 'ike');
        assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
        assert.equal(ike.natT.localBehindNat, true, 'our NAT-D over the 16-byte address');
        assert.equal(ike.peerId, LAB_ADDRESSES6.gateway, 'the gateway’s ID_IPV6_ADDR');
        await pingFromClient(lab, 5);
        // the counters event comes once a second: wait for the one that has seen the pings
        const counters = (await cli.waitFor(
          (e) => e.type === 'counters' && e.total.packetsIn >= 5,
          5_000,
          'counters with the replies',
        )) as CountersEvent;
        const child = (await lab.listSas())[0]?.childSas[0];
        assert.ok(child);
        assert.equal(counters.total.packetsOut, 5);
        assert.equal(counters.total.packetsIn, 5);
        assert.equal(child.packetsIn, counters.total.packetsOut, 'gateway received what we sent');
        assert.equal(child.packetsOut, counters.total.packetsIn, 'we received what it sent');
        assert.equal(child.bytesIn, counters.total.bytesOut);
        assert.equal(child.bytesOut, counters.total.bytesIn);
        assert.equal(counters.total.icvFailures + counters.total.replayDrops, 0);
      } finally {
        assert.equal((await cli.stop()).code, 0);
      }
      await lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
      assert.equal(await dualStackSnapshot(lab), baseline, 'no link, address or route remains');
    });

    test('full tunnel: IPv6 beside it is blocked, the gateway keeps its own route outside', async () => {
      const { lab } = suite;
      await lab.reloadConfig({ gatewayFamily: 6, splitInclude: false });
      const baseline = await dualStackSnapshot(lab);
      const cli = suite.connect();
      try {
        await cli.waitFor(isConnected, 20_000, 'connected');
        const route = await lab.execInClient('ip', ['-6', 'route', 'get', LAB_ADDRESSES6.gateway]);
        assert.match(route.stdout, new RegExp(`via ${LAB_ADDRESSES6.natInside} dev eth0`));
        assert.equal(
          await reachesFromClient(lab, LAB_ADDRESSES6.natOutside),
          false,
          'IPv6 other than the gateway does not leave beside an IPv4 full tunnel',
        );
        await pingFromClient(lab, 3);
        const outside = await lab.execInClient('ip', ['route', 'get', LAB_ADDRESSES.natOutside]);
        assert.match(outside.stdout, /dev rw0/, 'IPv4 goes into the tunnel');
      } finally {
        assert.equal((await cli.stop()).code, 0);
        await lab.reloadConfig({ gatewayFamily: 6 });
      }
      await lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
      assert.equal(await dualStackSnapshot(lab), baseline, 'no route of the tunnel remains');
    });

    test('lockdown: the gateway’s next hop is still found (neighbour discovery) and nothing else leaves', async () => {
      const { lab } = suite;
      // an empty neighbour cache: IKE's first packet needs a neighbour solicitation that the
      // lockdown, in place before it, must let out
      await lab.execInClient('ip', ['-6', 'neigh', 'flush', 'dev', 'eth0']);
      const cli = suite.connect({ lockdown: true });
      try {
        await cli.waitFor(isConnected, 20_000, 'connected');
        assert.equal(await hasLockdownTable(lab), true);
        await pingFromClient(lab, 2);
        assert.equal(await reachesFromClient(lab, LAB_ADDRESSES6.natInside), false);
        assert.equal(await reachesFromClient(lab, LAB_ADDRESSES.natInside), false);
      } finally {
        assert.equal((await cli.stop()).code, 0);
      }
      assert.equal(await hasLockdownTable(lab), false, 'removed on disconnect');
    });

    test('ESP-in-UDP over IPv6 dropped while connected: esp-blocked, cleared when it flows again', async () => {
      const { lab } = suite;
      // short DPD, as in diagnosis.test.ts: the diagnosis waits for silence and counter ticks
      const cli = suite.connect({ dpdDelaySeconds: 3, dpdRetries: 2 });
      let lift: (() => Promise<void>) | undefined;
      let ping: ChildProcess | undefined;
      try {
        await cli.waitFor(isConnected, 20_000, 'connected');
        // ESP flows both ways before the fault: a ping every 0.2 s until the end
        ping = lab.spawnInClient('ping', ['-i', '0.2', LAB_ADDRESSES.lanHost], { stdio: 'ignore' });
        await cli.waitFor((e) => e.type === 'counters' && e.total.packetsIn > 0, 15_000, 'ESP');
        lift = await nftFault(lab, ESP_BLOCKED_RULES, 'forward', 'ip6');
        assert.equal((await cli.waitFor(raised, 30_000, 'esp-blocked')).code, 'esp-blocked');
        await lift();
        lift = undefined;
        await cli.waitFor(
          (e) => e.type === 'diagnosis' && e.cleared,
          30_000,
          'the diagnosis cleared',
        );
      } finally {
        ping?.kill();
        await lift?.();
        await cli.stop();
      }
    });

    test('UDP 500 rejected with ICMPv6 port unreachable: icmp-unreachable', async () => {
      const lift = await nftFault(
        suite.lab,
        ['udp dport 500 reject with icmpv6 type port-unreachable'],
        'forward',
        'ip6',
      );
      const cli = suite.connect();
      try {
        assert.equal((await cli.waitFor(raised, 20_000, 'a diagnosis')).code, 'icmp-unreachable');
      } finally {
        await cli.stop();
        await lift();
      }
    });
  });
}

describe('hybrid authentication over IPv6 (strongSwan)', { skip: !!skip }, () => {
  // the gateway's certificate holds its IPv6 address, which is also its ID (ID_IPV6_ADDR)
  const pki = makeTestPki(LAB_ADDRESSES6.gateway);
  after(() => pki.remove());
  const suite = suiteLab(IN_PROCESS, {
    gatewayFamily: 6,
    exchange: 'main',
    auth: 'hybrid',
    pki: pki.lab,
  });

  test('the gateway’s ID_IPV6_ADDR is checked against its certificate’s IPv6 address', async () => {
    const cli = suite.connect(
      { exchange: 'main', authMethod: 'hybrid', caFile: pki.lab.caCert },
      'not-used-by-certificates',
    );
    try {
      await cli.waitFor(isConnected, 20_000, 'connected');
      const ike = cli.events.find((e) => e.type === 'sa' && e.kind === 'ike');
      assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
      // a certificate names the gateway by its subject; an ID_IPV6_ADDR it does not hold would
      // have failed the connection
      assert.equal(ike.peerId, 'O=Roadwarrior lab, CN=gw.lab.example');
      await pingFromClient(suite.lab, 2);
    } finally {
      await cli.stop();
    }
  });

  test('a certificate without that address is refused', async () => {
    const cli = suite.connect(
      {
        exchange: 'main',
        authMethod: 'hybrid',
        caFile: pki.lab.caCert,
        gatewayId: 'fd72:77:0:100::99',
      },
      'not-used-by-certificates',
    );
    const exit = await cli.exit;
    assert.equal(exit.code, 1);
    const error = cli.events.find((e) => e.type === 'error');
    assert.ok(error?.type === 'error');
    assert.match(error.message, /is not made out to fd72:77:0:100::99/);
  });
});

ipv6GatewaySuite(IN_PROCESS);
ipv6GatewaySuite(VIA_HELPER);
reportSkippedSuite('IPv6 gateway interop', skip);
