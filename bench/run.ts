// `npm run bench`: Roadwarrior against Debian's vpnc on the same lab, in one run: cold connect
// time to the first ping reply through the tunnel (median of 5), and the client's CPU seconds
// and peak RSS for a fixed ping flood. Figures are reported as ratios to vpnc.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../test/lab/index.js';
import { CLI_ENTRY } from '../test/support/cli-process.js';
import { clientFiles, connectArgs } from '../test/support/interop.js';

const RUNS = 5;

interface Client {
  name: string;
  start(lab: Lab): ChildProcess;
}

async function firstReply(lab: Lab, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const r = await lab.execInClient('ping', ['-c', '1', '-W', '0.05', LAB_ADDRESSES.lanHost], {
      check: false,
    });
    if (r.code === 0) return;
  }
  throw new Error('no ping reply through the tunnel');
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** utime+stime (s) and peak RSS (KiB) of a live process, from /proc. */
function usage(pid: number): { cpu: number; rssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString());
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: (Number(stat[11]) + Number(stat[12])) / ticks, rssKiB: Number(hwm?.[1] ?? 0) };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(lab: Lab, client: Client) {
  const connects: number[] = [];
  let cpu = 0;
  let rssKiB = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = Date.now();
    const child = client.start(lab);
    try {
      await firstReply(lab, started + 15_000);
      connects.push(Date.now() - started);
      if (i === RUNS - 1) {
        // the node/vpnc process itself (ip netns exec execs it, so the pid is the client's)
        const before = usage(child.pid!);
        await lab.execInClient('ping', ['-f', '-c', '20000', '-s', '1200', LAB_ADDRESSES.lanHost], {
          timeoutMs: 60_000,
        });
        const afterFlood = usage(child.pid!);
        cpu = afterFlood.cpu - before.cpu;
        rssKiB = afterFlood.rssKiB;
      }
    } finally {
      await stopped(child);
      await lab.waitForSas((sas) => sas.length === 0, 5_000);
    }
  }
  return { name: client.name, connectMs: median(connects), connects, cpu, rssKiB };
}

const lab = await startLab();
try {
  const files = clientFiles({}, LAB_DEFAULTS.groupPsk, 'alice-secret');
  const vpncConf = join(lab.dir, 'vpnc.conf');
  writeFileSync(
    vpncConf,
    `IPSec gateway ${LAB_ADDRESSES.gateway}\nIPSec ID ${lab.options.group}\nIPSec secret ${LAB_DEFAULTS.groupPsk}\nXauth username alice\nXauth password alice-secret\n`,
    { mode: 0o600 },
  );
  const vpncScript = join(lab.dir, 'vpnc-script-nodns');
  // vpnc-script minus DNS, so the benchmark never touches resolv.conf
  writeFileSync(
    vpncScript,
    '#!/bin/sh\nunset INTERNAL_IP4_DNS CISCO_DEF_DOMAIN CISCO_SPLIT_DNS\nexec /usr/share/vpnc-scripts/vpnc-script "$@"\n',
    { mode: 0o755 },
  );
  const clients: Client[] = [
    {
      name: 'vpnc 0.5.3',
      start: (l) =>
        l.spawnInClient(
          '/usr/sbin/vpnc',
          [
            '--no-detach',
            '--script',
            vpncScript,
            '--local-port',
            '0',
            '--ifname',
            'vpn0',
            '--pid-file',
            join(l.dir, 'vpnc.pid'),
            vpncConf,
          ],
          { privateRun: true, stdio: 'ignore' },
        ),
    },
    {
      name: 'roadwarrior (CLI, cold)',
      start: (l) =>
        l.spawnInClient(process.execPath, [CLI_ENTRY, ...connectArgs(files)], { stdio: 'ignore' }),
    },
  ];
  const results = [];
  for (const client of clients) results.push(await measure(lab, client));
  files.remove();
  const [baseline] = results;
  const lines = [
    `# Roadwarrior benchmark, ${new Date().toISOString()}`,
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; lab: strongSwan 5.9.8 (userspace ESP) behind a NAT, AES-GCM-256`,
    '',
    '| client | cold connect to first ping reply (median of 5) | ratio | CPU s for 20k x 1200 B pings | ratio | peak RSS | ',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.connectMs} ms (${r.connects.join(', ')}) | ${(r.connectMs / baseline!.connectMs).toFixed(2)}x | ${r.cpu.toFixed(2)} | ${(r.cpu / Math.max(baseline!.cpu, 0.01)).toFixed(2)}x | ${(r.rssKiB / 1024).toFixed(0)} MiB |`,
    ),
  ];
  console.log(lines.join('\n'));
  mkdirSync(new URL('./results', import.meta.url), { recursive: true });
  writeFileSync(
    new URL(`./results/${new Date().toISOString().slice(0, 10)}.md`, import.meta.url),
    `${lines.join('\n')}\n`,
  );
} finally {
  await lab.stop();
}
