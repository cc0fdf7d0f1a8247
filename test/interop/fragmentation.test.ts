// IKE fragmentation against strongSwan, on a path that drops IP fragments: the gateway's route
// toward the client has a small MTU (larger datagrams leave as IP fragments) and the NAT drops
// every IP fragment before its conntrack could reassemble them. A phase 1 answer larger than the
// MTU then never arrives whole. With the gateway's fragmentation off the connection fails; with
// it on (it fragments for us because we announce the fragmentation vendor ID) the same answer
// comes as IKE fragments that each fit, and we reassemble it.
//
// PSK messages are small, so for them the path's MTU is made smaller than the gateway's phase 1
// answers (aggressive mode message 2, main mode message 4). Certificates are the case this is
// for: main mode messages 5 and 6 (aggressive mode 2 and 3) carry a certificate and a signature
// each, more than a path of 1000-byte MTU carries whole in either direction.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IP_FRAGMENTS_DROPPED_RULES, nftFault, nftFaultCount, pathMtu } from '../lab/faults.js';
import { LAB_ADDRESSES } from '../lab/index.js';
import { makeTestPki } from '../lab/pki.js';
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
  await pathMtu(suite.lab, 'gw', PATH_MTU);
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

/** Both ways at most 1000-byte datagrams: above our fragments (576) and strongSwan's (set to
 * the same 1000), below a main mode message with an RSA-2048 certificate and signature. */
const CERTIFICATE_PATH_MTU = 1000;

/** What ends an attempt whose certificate message is lost: in main mode our message 5 (silence
 * after our certificate reads as its refusal: strongSwan refuses silently; the dropped IP
 * fragments counted are the real cause), in aggressive mode the gateway's message 2. */
const LOST_CERTIFICATE = {
  main: { code: 'client-cert-rejected', lost: 'our message 5' },
  aggressive: { code: 'gateway-unreachable', lost: "the gateway's message 2" },
} as const;

for (const exchange of ['main', 'aggressive'] as const) {
  describe(
    `IKE fragmentation carries a certificate exchange (strongSwan, ${exchange} mode, xauth-rsa)`,
    { skip: skip !== undefined },
    () => {
      const pki = makeTestPki();
      after(() => pki.remove());
      const profile = {
        exchange,
        authMethod: 'xauth-rsa',
        caFile: pki.lab.caCert,
        certificateFile: pki.clientCert,
        privateKeyFile: pki.clientKey,
      };
      const lab = (fragmentation: 'yes' | 'no') =>
        ({
          exchange,
          auth: 'xauth-rsa',
          pki: pki.lab,
          fragmentation,
          fragmentSize: CERTIFICATE_PATH_MTU,
        }) as const;
      const dropFragmentsBothWays = async (suite: SuiteLab) => {
        await pathMtu(suite.lab, 'gw', CERTIFICATE_PATH_MTU);
        await pathMtu(suite.lab, 'cli', CERTIFICATE_PATH_MTU);
        await nftFault(suite.lab, IP_FRAGMENTS_DROPPED_RULES, 'beforeDefrag');
      };

      describe('with fragmentation', () => {
        const suite = suiteLab(IN_PROCESS, lab('yes'));
        before(() => dropFragmentsBothWays(suite));

        test("our certificate goes as IKE fragments, the gateway's comes as them: connected", async () => {
          const cli = suite.connect(profile, 'not-used-by-certificates');
          try {
            await cli.waitFor(isConnected, 30_000, 'connected');
            assert.ok(
              cli.events.some(isLogLine(/^sending a \d+-byte message as \d+ IKE fragments/)),
              'we fragmented our certificate message',
            );
            assert.ok(
              cli.events.some(isLogLine(/^reassembled a \d+-byte message from \d+ IKE fragments/)),
              "we reassembled the gateway's certificate message",
            );
            assert.equal(await nftFaultCount(suite.lab, 'beforeDefrag'), 0);
            await pingFromClient(suite.lab, 2, LAB_ADDRESSES.lanHost);
          } finally {
            await cli.stop();
          }
        });
      });

      describe('without fragmentation', () => {
        const suite = suiteLab(IN_PROCESS, lab('no'));
        before(() => dropFragmentsBothWays(suite));

        test(`${LOST_CERTIFICATE[exchange].lost} is lost as IP fragments: no connection`, async () => {
          const cli = suite.connect(profile, 'not-used-by-certificates');
          const failure = await cli.waitFor((e) => e.type === 'error', 60_000, 'the failure');
          assert.ok(failure.type === 'error');
          assert.equal(failure.code, LOST_CERTIFICATE[exchange].code);
          assert.equal(failure.authenticated, false);
          assert.ok((await nftFaultCount(suite.lab, 'beforeDefrag')) > 0);
          assert.equal((await cli.exit).code, 1);
        });
      });
    },
  );
}

reportSkippedSuite('IKE fragmentation interop', skip);
