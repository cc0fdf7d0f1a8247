// The benchmark's Markdown report: the side-by-side table with ratios against the reference
// clients measured in the same run, the issue's targets, and where Roadwarrior's connect goes.
import { cpus, loadavg, release } from 'node:os';
import { CHARON_NAME, VPNC_NAME } from './clients.js';
import type { IperfResult } from './iperf.js';
import { type Transform, median } from './measure.js';

export interface ClientResult {
  name: string;
  /** vpnc and charon: the baselines of the ratios */
  reference: boolean;
  cold: number[];
  warm: number[];
  /** per connect: named spans between engine events, ms (Roadwarrior only) */
  coldSpans: [string, number][][];
  warmSpans: [string, number][][];
  up?: IperfResult;
  down?: IperfResult;
  cpuPerGB?: number;
  /** VmHWM once connected, before the iperf runs */
  connectedRssKiB?: number;
  peakRssKiB?: number;
  transform?: Transform;
}

export interface RunInfo {
  runs: number;
  iperfSeconds: number;
  strongswan: string;
  /** os.loadavg() when the run began: a busy machine makes every figure noisy */
  loadAtStart: number[];
  /** `node -e 0`, start to exit, median in this run: what any Node client's cold connect pays */
  nodeFloorMs?: number;
  /** peak RSS of `node -e 0` and of the CLI's snapshot started for `--help` (KiB) */
  nodeFloorRssKiB?: number;
  snapshotIdleRssKiB?: number;
  /** bench/esp-crypto.ts's output: seal/open against bare EVP */
  espCrypto?: string;
}

type Metric = (r: ClientResult) => number | undefined;

const coldMs: Metric = (r) => (r.cold.length ? median(r.cold) : undefined);
const warmMs: Metric = (r) => (r.warm.length ? median(r.warm) : undefined);
const upMbit: Metric = (r) => r.up && r.up.bitsPerSecond / 1e6;
const downMbit: Metric = (r) => r.down && r.down.bitsPerSecond / 1e6;
const cpuPerGB: Metric = (r) => r.cpuPerGB;
const rssMiB: Metric = (r) => r.peakRssKiB && r.peakRssKiB / 1024;
const HEADLESS_RSS_TARGET_MIB = 48;
const mib = (kib: number | undefined) => (kib === undefined ? '–' : (kib / 1024).toFixed(1));

interface Column {
  title: string;
  metric: Metric;
  digits: number;
  /** which reference figure the ratio is against */
  baseline: (references: ClientResult[]) => { name: string; value: number } | undefined;
  /** the raw runs, shown after the median */
  runs?: (r: ClientResult) => number[] | undefined;
}

/** The best reference by `metric`: lowest for times, CPU and memory, highest for throughput. */
function bestReference(metric: Metric, higherIsBetter = false) {
  return (references: ClientResult[]) => {
    const candidates = references
      .map((r) => ({ name: r.name, value: metric(r) }))
      .filter((c): c is { name: string; value: number } => c.value !== undefined);
    candidates.sort((a, b) => (higherIsBetter ? b.value - a.value : a.value - b.value));
    return candidates[0];
  };
}

function namedReference(name: string, metric: Metric) {
  return (references: ClientResult[]) => {
    const reference = references.find((r) => r.name === name);
    const value = reference && metric(reference);
    return value === undefined ? undefined : { name, value };
  };
}

const COLUMNS: Column[] = [
  {
    title: 'cold connect ms',
    metric: coldMs,
    digits: 0,
    baseline: bestReference(coldMs),
    runs: (r) => r.cold,
  },
  {
    title: 'warm connect ms',
    metric: warmMs,
    digits: 0,
    baseline: namedReference(CHARON_NAME, warmMs),
    runs: (r) => r.warm,
  },
  { title: 'TCP up Mbit/s', metric: upMbit, digits: 0, baseline: bestReference(upMbit, true) },
  {
    title: 'TCP down Mbit/s',
    metric: downMbit,
    digits: 0,
    baseline: bestReference(downMbit, true),
  },
  {
    title: 'client CPU s/GB',
    metric: cpuPerGB,
    digits: 1,
    baseline: namedReference(VPNC_NAME, cpuPerGB),
  },
  { title: 'peak RSS MiB', metric: rssMiB, digits: 1, baseline: bestReference(rssMiB) },
];

function cell(result: ClientResult, column: Column, references: ClientResult[]): string {
  const value = column.metric(result);
  if (value === undefined) return '–';
  const runs = column.runs?.(result);
  const detail = runs && runs.length > 1 ? ` (${runs.map((v) => v.toFixed(0)).join(', ')})` : '';
  const base = column.baseline(references);
  const ratio = base && base.value > 0 ? ` **${(value / base.value).toFixed(2)}x**` : '';
  return `${value.toFixed(column.digits)}${ratio}${detail}`;
}

function table(results: ClientResult[]): string[] {
  const references = results.filter((r) => r.reference);
  const baselines = COLUMNS.map((c) => `${c.title}: ${c.baseline(references)?.name ?? 'n/a'}`);
  return [
    `| client | ${COLUMNS.map((c) => c.title).join(' | ')} |`,
    `| --- | ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...results.map(
      (r) => `| ${r.name} | ${COLUMNS.map((c) => cell(r, c, references)).join(' | ')} |`,
    ),
    '',
    `Ratios (bold) are against the reference measured in this run: ${baselines.join('; ')}. vpnc has no warm connect (no control interface: every connect starts the process).`,
  ];
}

function charonWarmMs(results: ClientResult[]): number | undefined {
  return namedReference(CHARON_NAME, warmMs)(results.filter((r) => r.reference))?.value;
}

function targets(results: ClientResult[]): string[] {
  const roadwarrior = results.find((r) => !r.reference);
  const references = results.filter((r) => r.reference);
  if (!roadwarrior) return [];
  const check = (
    what: string,
    value: number | undefined,
    limit: number | undefined,
    ok: (v: number, l: number) => boolean,
  ) =>
    value === undefined || limit === undefined
      ? `- ${what}: not measured`
      : `- ${what}: ${value.toFixed(1)} vs ${limit.toFixed(1)}: **${ok(value, limit) ? 'met' : 'not met'}**`;
  const charonWarm = charonWarmMs(results);
  const vpncCpu = namedReference(VPNC_NAME, cpuPerGB)(references)?.value;
  return [
    '## Targets (issue #3)',
    '',
    check(
      'warm connect <= 0.5x strongSwan warm (ms)',
      warmMs(roadwarrior),
      charonWarm && charonWarm * 0.5,
      (v, l) => v <= l,
    ),
    check(
      'cold connect <= best reference (ms)',
      coldMs(roadwarrior),
      bestReference(coldMs)(references)?.value,
      (v, l) => v <= l,
    ),
    check(
      'CPU per GB <= 0.5x vpnc (s/GB)',
      cpuPerGB(roadwarrior),
      vpncCpu && vpncCpu * 0.5,
      (v, l) => v <= l,
    ),
    check(
      'CPU per GB <= 0.25x vpnc (s/GB)',
      cpuPerGB(roadwarrior),
      vpncCpu && vpncCpu * 0.25,
      (v, l) => v <= l,
    ),
    check(
      'headless CLI peak RSS <= 48 MiB (issue 16)',
      rssMiB(roadwarrior),
      HEADLESS_RSS_TARGET_MIB,
      (v, l) => v <= l,
    ),
    check(
      'TCP up >= best reference (Mbit/s)',
      upMbit(roadwarrior),
      bestReference(upMbit, true)(references)?.value,
      (v, l) => v >= l,
    ),
    check(
      'TCP down >= best reference (Mbit/s)',
      downMbit(roadwarrior),
      bestReference(downMbit, true)(references)?.value,
      (v, l) => v >= l,
    ),
  ];
}

/** Where the headless CLI's peak RSS comes from: Node itself, the CLI's snapshot loaded, the
 * connect, the traffic. */
function memory(results: ClientResult[], info: RunInfo): string[] {
  const roadwarrior = results.find((r) => !r.reference);
  if (!roadwarrior?.peakRssKiB) return [];
  return [
    '## Peak RSS of the headless CLI (VmHWM, MiB)',
    '',
    '| `node -e 0` | CLI snapshot, `--help` | connected, before traffic | after both iperf runs |',
    '| --- | --- | --- | --- |',
    `| ${mib(info.nodeFloorRssKiB)} | ${mib(info.snapshotIdleRssKiB)} | ${mib(roadwarrior.connectedRssKiB)} | ${mib(roadwarrior.peakRssKiB)} |`,
    '',
    `${roadwarrior.name}. The steps between the columns are what loading the CLI's modules, connecting and carrying traffic add to Node's own floor.`,
  ];
}

/** Median of each span over the connects (connects with another event sequence are skipped). */
function breakdown(title: string, connects: [string, number][][]): string[] {
  const [first] = connects;
  if (!first) return [];
  const alike = connects.filter((c) => c.map(([n]) => n).join() === first.map(([n]) => n).join());
  return [
    `### ${title} (median of ${alike.length})`,
    '',
    '| span | ms |',
    '| --- | --- |',
    ...first.map(([name], i) => `| ${name} | ${median(alike.map((c) => c[i]![1])).toFixed(0)} |`),
    '',
  ];
}

/** Spans in which the engine only waits for the gateway: our message is out (the first event
 * is stamped as it leaves) and the second event marks the gateway's answer (AM1 → AM2, AM3 →
 * the XAuth request, the Mode Config request → its reply, QM1 → QM2). The XAuth answer →
 * verdict span is left out: the credential provider's own time is in it too. */
const GATEWAY_SPANS = new Set([
  'am1-sent → am2-received',
  'am3-sent → xauth',
  'xauth → xauth: the gateway',
  'modecfg → modecfg: virtual IP',
  'qm1-sent → qm2-received',
]);
const TO_FIRST_REPLY = 'connected → first ping reply';

/** Warm connect split into waiting for the gateway and the client's own time, with the floor
 * those waits put under a connect next to issue #3's target (0.5x charon's warm connect). */
function clientVersusGateway(result: ClientResult, charonWarm: number | undefined): string[] {
  const connects = result.warmSpans.filter((spans) =>
    spans.some(([name]) => name === TO_FIRST_REPLY),
  );
  if (connects.length === 0) return [];
  const sum = (spans: [string, number][], keep: (name: string) => boolean) =>
    spans.filter(([name]) => keep(name)).reduce((total, [, ms]) => total + ms, 0);
  const toConnected = median(connects.map((c) => sum(c, (n) => n !== TO_FIRST_REPLY)));
  const gateway = median(connects.map((c) => sum(c, (n) => GATEWAY_SPANS.has(n))));
  const afterConnected = median(connects.map((c) => sum(c, (n) => n === TO_FIRST_REPLY)));
  const floor = gateway + afterConnected;
  const target = charonWarm && charonWarm * 0.5;
  return [
    `Client vs gateway (medians of ${connects.length}, from the engine's event times): of ${toConnected.toFixed(1)} ms from the connect command to \`connected\`, ${gateway.toFixed(1)} ms (${((100 * gateway) / (toConnected || 1)).toFixed(0)}%) are spent waiting for the gateway's answers (${[...GATEWAY_SPANS].join('; ')}) and ${(toConnected - gateway).toFixed(1)} ms are the client's own (the XAuth answer → verdict span, which holds the credential provider's time and the gateway's check, counts as the client's). \`connected\` → first ping reply: ${afterConnected.toFixed(1)} ms (the probe's 5 ms ping grid, the gateway's ESP and the LAN host). Gateway-bound floor: ${floor.toFixed(1)} ms${target ? `; 0.5x charon's warm connect = ${target.toFixed(1)} ms is ${target < floor ? 'below' : 'above'} it` : ''}.`,
    '',
  ];
}

export function renderReport(results: ClientResult[], info: RunInfo): string {
  const cpu = cpus();
  const transforms = results
    .filter((r) => r.transform)
    .map((r) => `${r.name}: IKE ${r.transform!.ike}, ESP ${r.transform!.esp}`);
  // judged at the start only: by the end the bench's own gateway, iperf3 and clients have pushed
  // the load average up on any machine, so the end figure says nothing of other work
  const busy = (info.loadAtStart[0] ?? 0) > cpu.length / 2;
  return [
    `# Roadwarrior benchmark, ${new Date().toISOString()}`,
    '',
    ...(busy
      ? [
          '**The machine was busy with other work during this run (see the load average): every figure is noisy; re-run on an idle machine before comparing.**',
          '',
        ]
      : []),
    `machine: ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, Linux ${release()}, node ${process.version}, ${info.strongswan} (gateway and charon client, userspace ESP via kernel-libipsec); load average at the start ${info.loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `transform: IKE aes256-sha1-modp1536 aggressive mode PSK + XAuth, ESP aes256-sha1 in UDP 4500, no PFS (what the gateway negotiated: ${transforms.join('; ')})`,
    `method: connect = start to the first reply of a ping running every 5 ms (median of ${info.runs}); iperf3 TCP ${info.iperfSeconds} s each way to the LAN host; CPU = utime+stime of the client process over both iperf runs / payload bytes received; RSS = VmHWM after them.`,
    '',
    ...table(results),
    ...(info.nodeFloorMs === undefined
      ? []
      : [
          '',
          `Node floor: \`node -e 0\` from spawn to exit in the client namespace, ${info.nodeFloorMs.toFixed(0)} ms (median of 5 in this run): what any Node client pays before its first line runs.`,
        ]),
    '',
    ...targets(results),
    '',
    ...memory(results, info),
    ...(info.espCrypto === undefined
      ? []
      : [
          '',
          '## ESP seal and open against bare EVP (bench/esp-crypto.ts, one core)',
          '',
          '```',
          info.espCrypto.trim(),
          '```',
        ]),
    '',
    "## Where Roadwarrior's connect goes (engine event timestamps)",
    '',
    'start = the bench sends the connect (warm: a line to bench/warm-driver.ts; cold: spawning the CLI). The engine emits `connected` after the routes are in, so the first reply can come a millisecond or two before the event is stamped (a negative last span).',
    '',
    ...results.flatMap((r) => [
      ...breakdown(`${r.name}, warm`, r.warmSpans),
      ...clientVersusGateway(r, charonWarmMs(results)),
      ...breakdown(`${r.name}, cold`, r.coldSpans),
    ]),
  ].join('\n');
}
