// The lab harness proven with Debian's reference client: vpnc connects from the cli namespace
// through the NAT to the lab's strongSwan head-end, pings the protected LAN, and everything
// the lab made is gone afterwards. Also: gateway kill/restart, and cleanup when the owning
// process is signalled or killed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  type IkeSa,
  type Lab,
  LAB_ADDRESSES,
  cleanupStaleLabs,
  ipv4InCidr,
  startLab,
} from '../lab/index.js';
import { LAB_CONNECTION } from '../lab/config.js';
import { processRunning } from '../lab/proc-stat.js';
import { readUdpDatagrams } from '../support/pcapng.js';

const CHARON = '/usr/lib/ipsec/charon';
const VPNC = '/usr/sbin/vpnc';
const VPNC_SCRIPT = '/usr/share/vpnc-scripts/vpnc-script';
const LAB_CLI = fileURLToPath(new URL('../../scripts/lab.ts', import.meta.url));

function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const [path, what] of [
    [CHARON, 'strongSwan charon (apt strongswan-charon)'],
    ['/usr/sbin/swanctl', 'swanctl (apt strongswan-swanctl)'],
    [VPNC, 'vpnc (apt vpnc)'],
    [VPNC_SCRIPT, 'vpnc-script (apt vpnc-scripts)'],
    ['/usr/bin/dumpcap', 'dumpcap (apt tshark)'],
  ] as const) {
    if (!existsSync(path)) return `${what} is not installed: ${path} missing`;
  }
  return undefined;
}

const skipReason = missingPrerequisite();

/** Skips loudly: the reason goes to the test report and to stderr. */
function skipIfUnable(t: { skip(message: string): void }): boolean {
  if (skipReason === undefined) return false;
  console.error(`SKIPPING lab interop test: ${skipReason}`);
  t.skip(skipReason);
  return true;
}

/** Running and not a zombie (an orphan's zombie lingers until init reaps it). */
const pidAlive = (pid: number | undefined) => pid !== undefined && processRunning(pid);

/** Asserts that nothing of the lab is left on the host. */
function assertLabGone(names: Lab['names'], dir: string, pids: (number | undefined)[]): void {
  for (const name of Object.values(names)) {
    assert.ok(!existsSync(`/run/netns/${name}`), `namespace ${name} still exists`);
    assert.ok(!existsSync(`/etc/netns/${name}`), `/etc/netns/${name} still exists`);
  }
  assert.ok(!existsSync(dir), `lab directory ${dir} still exists`);
  for (const pid of pids) assert.ok(!pidAlive(pid), `process ${pid} still runs`);
}

function ikeWithChild(sas: IkeSa[]): IkeSa | undefined {
  return sas.find(
    (sa) => sa.state === 'ESTABLISHED' && sa.childSas.some((c) => c.state === 'INSTALLED'),
  );
}

async function waitForFile(
  path: string,
  timeoutMs: number,
  process: ChildProcess,
  output: () => string,
): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  // the wrapper's shell creates the file before env has written into it: wait for content
  while (!existsSync(path) || statSync(path).size === 0) {
    if (process.exitCode !== null || process.signalCode !== null) {
      throw new Error(
        `vpnc exited (${process.exitCode ?? process.signalCode}) before connecting: ${output()}`,
      );
    }
    if (performance.now() > deadline)
      throw new Error(`vpnc did not connect within ${timeoutMs} ms: ${output()}`);
    await delay(20);
  }
  return readFileSync(path, 'utf8');
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('close', () => resolve()));
}

/**
 * vpnc draws the message ID of each DELETE it sends at disconnect from one random byte (the
 * gateway logs IDs below 256 for them), so one disconnect in 256 sends the IPsec and the ISAKMP
 * DELETE under one ID. strongSwan then chains the second message's IV from the first (RFC 2409
 * appendix B: messages of one exchange), cannot decrypt it, and keeps the IKE SA. The ID when
 * the log shows exactly that: a DELETE read, then a request with its ID that failed.
 */
function vpncDeletesSharedId(log: string): string | undefined {
  const read = new Set(
    [...log.matchAll(/parsed INFORMATIONAL_V1 request (\d+) \[ HASH D \]/g)].map((m) => m[1]),
  );
  return [...log.matchAll(/INFORMATIONAL_V1 request with message ID (\d+) processing failed/g)]
    .map((m) => m[1])
    .find((id) => read.has(id));
}

test(
  'vpnc connects through the NAT to the lab head-end and reaches the protected LAN',
  { timeout: 60_000 },
  async (t) => {
    if (skipIfUnable(t)) return;
    const hostResolvConf = readFileSync('/etc/resolv.conf');
    const lab = await startLab();
    t.diagnostic(`lab ${lab.id} timings (ms): ${JSON.stringify(lab.timings)}`);
    const { names, dir } = lab;
    let vpnc: ChildProcess | undefined;
    let charonPid: number | undefined;
    try {
      assert.ok(lab.timings, 'startLab reports its timings');
      assert.ok(
        lab.timings.viciReadyMs + lab.timings.configLoadMs < 1500,
        `gateway took ${Math.round(lab.timings.viciReadyMs + lab.timings.configLoadMs)} ms to answer vici and load its config`,
      );
      charonPid = lab.gatewayPid;
      assert.ok(pidAlive(charonPid), 'charon runs');

      // Without the tunnel the NAT has no route to the protected LAN.
      const direct = await lab.execInClient('ping', ['-c', '1', '-W', '1', LAB_ADDRESSES.lanHost], {
        check: false,
      });
      assert.notEqual(
        direct.code,
        0,
        `cli reached ${LAB_ADDRESSES.lanHost} without a tunnel:\n${direct.stdout}`,
      );
      assert.match(direct.stdout, /Unreachable/, 'the NAT answers "net unreachable" for the LAN');
      assert.deepEqual(await lab.listSas(), [], 'no SAs before the client connects');

      const capture = await lab.startCapture({ filter: 'udp' });
      const envPrefix = join(dir, 'vpnc-env');
      const script = join(dir, 'vpnc-script-wrapper');
      // records what vpnc learned from Mode Config, then does the real work
      writeFileSync(
        script,
        `#!/bin/sh\nenv | grep -E '^(reason|TUNDEV|VPNGATEWAY|INTERNAL_IP4_|CISCO_)' | sort > "${envPrefix}.$reason"\nexec ${VPNC_SCRIPT} "$@"\n`,
        { mode: 0o755 },
      );
      const user = lab.options.users[0];
      assert.ok(user);
      const conf = join(dir, 'vpnc.conf');
      writeFileSync(
        conf,
        [
          `IPSec gateway ${LAB_ADDRESSES.gateway}`,
          `IPSec ID ${lab.options.group}`,
          `IPSec secret ${lab.options.groupPsk}`,
          `Xauth username ${user.name}`,
          `Xauth password ${user.password}`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      vpnc = lab.spawnInClient(
        VPNC,
        [
          '--no-detach',
          '--script',
          script,
          '--local-port',
          '0',
          '--ifname',
          'vpn0',
          '--pid-file',
          join(dir, 'vpnc.pid'),
          conf,
        ],
        { privateRun: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let vpncOutput = '';
      for (const stream of [vpnc.stdout, vpnc.stderr]) {
        if (stream)
          createInterface({ input: stream }).on('line', (line) => (vpncOutput += `${line}\n`));
      }
      const connectEnv = await waitForFile(`${envPrefix}.connect`, 15_000, vpnc, () => vpncOutput);
      const sas = await lab.waitForSas(
        (list) => ikeWithChild(list) !== undefined,
        10_000,
        'an established IKE SA with an installed child SA',
      );
      const before = ikeWithChild(sas)?.childSas.find((c) => c.state === 'INSTALLED');
      assert.ok(before);

      // Mode Config reached the client.
      assert.match(connectEnv, new RegExp(`^INTERNAL_IP4_DNS=${LAB_ADDRESSES.dns}$`, 'm'));
      assert.match(connectEnv, new RegExp(`^INTERNAL_IP4_NBNS=${LAB_ADDRESSES.nbns}$`, 'm'));
      assert.match(connectEnv, new RegExp(`^CISCO_DEF_DOMAIN=${lab.options.domain}$`, 'm'));
      assert.ok(connectEnv.includes(`CISCO_BANNER=${lab.options.banner}`), connectEnv);
      assert.match(connectEnv, /^CISCO_SPLIT_INC_0_ADDR=198\.19\.77\.0$/m);
      assert.match(connectEnv, /^CISCO_SPLIT_INC_0_MASKLEN=24$/m);
      const vip = /^INTERNAL_IP4_ADDRESS=(.+)$/m.exec(connectEnv)?.[1];
      assert.ok(vip && ipv4InCidr(vip, LAB_ADDRESSES.pool), `virtual IP ${vip} is from the pool`);

      // The tunnel carries traffic to the LAN.
      const ping = await lab.execInClient(
        'ping',
        ['-c', '3', '-i', '0.2', '-W', '2', LAB_ADDRESSES.lanHost],
        { check: false },
      );
      assert.equal(
        ping.code,
        0,
        `ping through the tunnel failed:\n${ping.stdout}${ping.stderr}\nvpnc: ${vpncOutput}`,
      );

      const [ike, ...others] = await lab.listSas();
      assert.equal(others.length, 0, 'one IKE SA');
      assert.ok(ike);
      assert.equal(ike.state, 'ESTABLISHED');
      assert.equal(ike.version, 1);
      assert.equal(ike.remoteId, lab.options.group);
      assert.equal(ike.remoteXauthId, user.name);
      assert.equal(ike.remoteHost, LAB_ADDRESSES.natOutside, 'the gateway sees the NAT address');
      assert.ok(ike.natRemote, 'the gateway detected the NAT');
      assert.deepEqual(ike.remoteVips, [vip]);
      const child = ike.childSas.find((c) => c.state === 'INSTALLED');
      assert.ok(child, 'an installed child SA');
      assert.equal(child.protocol, 'ESP');
      assert.ok(child.encap, 'ESP in UDP');
      assert.match(child.spiIn, /^[0-9a-f]{8}$/);
      assert.match(child.spiOut, /^[0-9a-f]{8}$/);
      assert.deepEqual(child.localTs, [LAB_ADDRESSES.lanNetwork]);
      assert.deepEqual(child.remoteTs, [`${vip}/32`]);
      assert.ok(
        child.packetsIn >= before.packetsIn + 3,
        `packets in rose by >= 3: ${before.packetsIn} -> ${child.packetsIn}`,
      );
      assert.ok(
        child.packetsOut >= before.packetsOut + 3,
        `packets out rose by >= 3: ${before.packetsOut} -> ${child.packetsOut}`,
      );
      assert.ok(child.bytesIn > before.bytesIn);
      assert.match(lab.gatewayLog(), /IKE_SA lab\[\d+\] established/);

      // resolv.conf edits landed in the namespace's copy only.
      assert.match(
        readFileSync(lab.clientResolvConf, 'utf8'),
        new RegExp(`nameserver ${LAB_ADDRESSES.dns}`),
      );
      assert.deepEqual(
        readFileSync('/etc/resolv.conf'),
        hostResolvConf,
        "the host's /etc/resolv.conf is unchanged",
      );

      const pcap = await capture.stop();
      const datagrams = readUdpDatagrams(pcap);
      assert.ok(
        datagrams.some((d) => d.destinationPort === 500),
        'capture holds IKE on port 500',
      );
      // ESP in UDP (RFC 3948 2.1): SPI in the first 4 bytes, never the zero non-ESP marker
      const esp = datagrams.filter(
        (d) =>
          d.destinationPort === 4500 && d.payload.length > 8 && d.payload.readUInt32BE(0) !== 0,
      );
      assert.ok(
        esp.some((d) => d.payload.subarray(0, 4).toString('hex') === child.spiIn),
        'capture holds ESP with the SA inbound SPI',
      );

      // vpnc says goodbye: the gateway deletes the SAs, vpnc-script restores resolv.conf.
      const logFrom = lab.gatewayLog().length;
      vpnc.kill('SIGTERM');
      await exitOf(vpnc);
      const sharedIdSoFar = () => vpncDeletesSharedId(lab.gatewayLog().slice(logFrom));
      // the gateway reads the two DELETEs on two threads: wait for all SAs to go, or for the
      // CHILD_SA to go and the log to show the second DELETE failed
      const left = await lab.waitForSas(
        (list) =>
          list.length === 0 ||
          (list.every((sa) => sa.childSas.length === 0) && sharedIdSoFar() !== undefined),
        5000,
        'the SAs to go after vpnc disconnected',
      );
      const sharedId = sharedIdSoFar();
      if (left.length > 0 && sharedId !== undefined) {
        t.diagnostic(
          `vpnc sent its IPsec and ISAKMP DELETEs with one message ID (${sharedId}) and strongSwan could not read the second: the IKE SA is terminated from the gateway`,
        );
        await lab.swanctl(['--terminate', '--ike', LAB_CONNECTION, '--force']);
      }
      await lab.waitForSas(
        (list) => list.length === 0,
        5000,
        'the SAs to go after vpnc disconnected',
      );
      assert.doesNotMatch(
        readFileSync(lab.clientResolvConf, 'utf8'),
        new RegExp(LAB_ADDRESSES.dns),
      );
    } finally {
      vpnc?.kill('SIGKILL');
      await lab.stop();
    }
    await lab.stop(); // idempotent
    assertLabGone(names, dir, [charonPid, vpnc?.pid]);
    assert.deepEqual(
      readFileSync('/etc/resolv.conf'),
      hostResolvConf,
      "the host's /etc/resolv.conf is unchanged",
    );
  },
);

test('the gateway can be killed, restarted and reconfigured', { timeout: 30_000 }, async (t) => {
  if (skipIfUnable(t)) return;
  const lab = await startLab({ dpdDelaySeconds: 5 });
  try {
    const firstPid = lab.gatewayPid;
    await lab.killGateway();
    assert.equal(lab.gatewayPid, undefined);
    assert.ok(!pidAlive(firstPid), 'charon is gone after killGateway()');
    await assert.rejects(lab.listSas(), /charon is not running/);

    const timings = await lab.restartGateway();
    assert.ok(pidAlive(lab.gatewayPid), 'charon runs again');
    assert.notEqual(lab.gatewayPid, firstPid);
    t.diagnostic(`restart timings (ms): ${JSON.stringify(timings)}`);
    assert.deepEqual(await lab.listSas(), []);

    // every option strongSwan has to accept, with strings the config must quote
    await lab.reloadConfig({
      splitInclude: false,
      ikeLifetimeSeconds: 600,
      childLifetimeSeconds: 60,
      dpdDelaySeconds: 7,
      savePassword: true,
      pfsUnity: true,
      espProposals: ['aes128-sha1-modp2048'],
      banner: 'Say "hi" } # not a comment\nsecond line',
      groupPsk: 'p#s}k"\\',
      users: [{ name: 'bob smith', password: 'b o b' }],
    });
    assert.equal(lab.options.splitInclude, false);
    const conns = (await lab.swanctl(['--list-conns'])).stdout;
    assert.match(conns, /IKEv1, reauthentication every 600s, dpd delay 7s/, conns);
    assert.match(conns, /rekeying every 54s/, conns);
    assert.match(conns, /local:\s+0\.0\.0\.0\/0/, `full tunnel after reload:\n${conns}`);
    assert.doesNotMatch(conns, /198\.19\.77\.0\/24/);
    assert.match(lab.gatewayLog(), /loaded EAP shared key with id 'xauth-0' for: 'bob smith'/);
  } finally {
    await lab.stop();
  }
  assertLabGone(lab.names, lab.dir, [lab.gatewayPid]);
});

interface LabProcessInfo {
  id: string;
  names: Lab['names'];
  dir: string;
  gatewayPid: number;
}

/** Runs `scripts/lab.ts up --json` and resolves with the lab it printed. */
async function startLabProcess(): Promise<{ child: ChildProcess; info: LabProcessInfo }> {
  const child = spawn(process.execPath, ['--import', 'tsx', LAB_CLI, 'up', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`lab.ts up exited ${code}: ${stderr}`)));
  });
  return { child, info: JSON.parse(line) as LabProcessInfo };
}

test(
  'a lab process cleans up on SIGTERM, and cleanupStaleLabs() removes a SIGKILLed one',
  { timeout: 60_000 },
  async (t) => {
    if (skipIfUnable(t)) return;
    const terminated = await startLabProcess();
    assert.ok(
      existsSync(`/run/netns/${terminated.info.names.gw}`),
      'the lab process made its namespaces',
    );
    terminated.child.kill('SIGTERM');
    await exitOf(terminated.child);
    assert.equal(terminated.child.exitCode, 0, 'lab.ts up exits cleanly on SIGTERM');
    assertLabGone(terminated.info.names, terminated.info.dir, [terminated.info.gatewayPid]);

    const killed = await startLabProcess();
    killed.child.kill('SIGKILL');
    await exitOf(killed.child);
    assert.ok(
      existsSync(`/run/netns/${killed.info.names.cli}`),
      'a SIGKILLed owner leaves its lab behind',
    );
    assert.ok(pidAlive(killed.info.gatewayPid), 'and its charon keeps running');
    const removed = cleanupStaleLabs();
    assert.ok(removed.includes(killed.info.id), `cleanupStaleLabs removed ${removed.join(', ')}`);
    assertLabGone(killed.info.names, killed.info.dir, [killed.info.gatewayPid]);
  },
);
