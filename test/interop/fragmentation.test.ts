// IKE fragmentation against strongSwan, on a path that drops IP fragments: the gateway's route
// toward the client has a small MTU (larger datagrams leave as IP fragments) and the NAT drops
// every IP fragment before its conntrack could reassemble them. A phase 1 answer larger than the
// MTU then never arrives whole. With the gateway's fragmentation off the connection fails; with
// it on (it fragments for us because we announce the fragmentation vendor ID) the same answer
// comes as IKE fragments that each fit, and we reassemble it.
//
// PSK messages are small, so the path's MTU is made smaller than the gateway's phase 1 answers
// (aggressive mode message 2, main mode message 4) instead of making the messages larger.
// Certificates (issue 15 item 2) are the case this is for; their exchange joins this file once
// the lab has them.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  IP_FRAGMENTS_DROPPED_RULES,
  gatewayPathMtu,
  nftFault,
  nftFaultCount,
} from '../lab/faults.js';
import { LAB_ADDRESSES } from '../lab/index.js';
import {
  IN_PROCESS,
  type SuiteLab,
  interopSkipReason,
  isConnected,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
} from '../support/interop.js';

const skip = interopSkipReason();

/** The path's MTU from the gateway: below both exchanges' largest PSK answer (about 560 bytes
 * in aggressive mode, 380 in main mode), above the 68 bytes every IPv4 link carries. */
const PATH_MTU = 300;

async function fragmentDroppingPath(suite: SuiteLab): Promise<void> {
  await gatewayPathMtu(suite.lab, PATH_MTU);
  await nftFault(suite.lab, IP_FRAGMENTS_DROPPED_RULES, 'beforeDefrag');
}

const isLogLine = (pattern: RegExp) => (e: { type: string; message?: string }) =>
  e.type === 'log' && pattern.test(e.message ?? '');

for (const exchange of ['aggressive', 'main'] as const) {
  describe(
    `IKE fragmentation on a path that drops IP fragments (strongSwan, ${exchange} mode)`,
    { skip: skip !== undefined },
    () => {
      describe('the gateway fragments its answers', () => {
        const suite = suiteLab(IN_PROCESS, {
          exchange,
          fragmentation: 'yes',
          fragmentSize: PATH_MTU,
        });
        before(() => fragmentDroppingPath(suite));

        test('we reassemble them and connect; traffic flows', async () => {
          const cli = suite.connect({ exchange });
          try {
            await cli.waitFor(isConnected, 30_000, 'connected');
            const reassembled = cli.events.filter(
              isLogLine(/^reassembled a \d+-byte message from \d+ IKE fragments/),
            );
            assert.ok(reassembled.length >= 1, 'at least the phase 1 answer came in fragments');
            assert.match(
              suite.lab.gatewayLog(),
              /splitting IKE message \(\d+ bytes\) into \d+ fragments/,
            );
            assert.equal(
              await nftFaultCount(suite.lab, 'beforeDefrag'),
              0,
              'no IP fragment was needed, so none was dropped',
            );
            await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
          } finally {
            await cli.stop();
          }
        });
      });

      describe('the gateway does not fragment', () => {
        const suite = suiteLab(IN_PROCESS, { exchange, fragmentation: 'no' });
        before(() => fragmentDroppingPath(suite));

        test('its phase 1 answer is lost as IP fragments: no connection', async () => {
          const cli = suite.connect({ exchange });
          const failure = await cli.waitFor((e) => e.type === 'error', 60_000, 'the failure');
          assert.ok(failure.type === 'error');
          assert.equal(failure.code, 'gateway-unreachable');
          assert.ok(
            (await nftFaultCount(suite.lab, 'beforeDefrag')) > 0,
            'the path dropped IP fragments of the answer',
          );
          assert.equal((await cli.exit).code, 1);
        });
      });
    },
  );
}

reportSkippedSuite('IKE fragmentation interop', skip);
