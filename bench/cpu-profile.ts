// Where the CPU went in V8 .cpuprofile files (node --cpu-prof, bench/warm-driver.ts
// --cpu-prof-dir): self time summed over all the files, by area of the code and by function.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs since the previous sample */
  timeDeltas: number[];
}

// First match wins: the most specific paths first.
const AREAS: [string, RegExp][] = [
  ['engine crypto (DH, PRF, keys)', /app\/engine\/crypto\//],
  ['engine (IKE messages, state)', /app\/engine\//],
  ['data plane: network config', /app\/dataplane\/netconfig\//],
  ['data plane: ESP', /app\/dataplane\/esp\//],
  ['data plane: TUN', /app\/dataplane\/tun\//],
  ['data plane (other)', /app\/dataplane\//],
  ['shared (schemas, events)', /app\/shared\//],
  ['CLI', /app\/cli\//],
  ['bench driver', /bench\//],
  ['dependencies (node_modules)', /node_modules\//],
  ['Node built-ins', /^node:/],
];

function area(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName ? `(${functionName.replace(/[()]/g, '')})` : '(native)';
  return AREAS.find(([, pattern]) => pattern.test(url))?.[0] ?? 'other';
}

/** The .cpuprofile files among `paths` and in the directories among them. */
export function profileFiles(paths: string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.cpuprofile'))
          .map((name) => join(path, name))
      : [path],
  );
}

export interface SummaryOptions {
  /** how many functions to list */
  top: number;
  /** ignore each profile's samples before the first one with app/ code on the stack */
  fromApp?: boolean;
}

/** Markdown tables of self time by area and by function, per profile on average. */
export function summariseProfiles(files: string[], options: SummaryOptions): string {
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map(
      profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id])),
    );
    const inApp = (id: number | undefined): boolean =>
      id !== undefined &&
      (/\/app\//.test(nodes.get(id)?.callFrame.url ?? '') || inApp(parents.get(id)));
    let counting = !options.fromApp;
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      counting ||= inApp(id);
      if (!node || !counting) return;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url
        ? `${url.replace(/^.*\/(app|bench|node_modules)\//, '$1/')}:${lineNumber + 1}`
        : '';
      const name = `${functionName || '(anonymous)'} ${where}`.trim();
      byArea.set(area(node), (byArea.get(area(node)) ?? 0) + us);
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      total += us;
    });
  }

  const rows = (map: Map<string, number>, limit: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(
        ([name, us]) =>
          `| ${name} | ${(us / 1000 / files.length).toFixed(2)} | ${((100 * us) / total).toFixed(1)} % |`,
      );

  return [
    `${files.length} profile(s), ${(total / 1000 / files.length).toFixed(1)} ms sampled per profile`,
    '',
    '| area | ms per profile | share |',
    '| --- | --- | --- |',
    ...rows(byArea, byArea.size),
    '',
    '| function (self time) | ms per profile | share |',
    '| --- | --- | --- |',
    ...rows(byFunction, options.top),
  ].join('\n');
}
