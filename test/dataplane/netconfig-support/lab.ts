// A throw-away network namespace per test: eth0 (veth, 192.0.2.2/24, default via 192.0.2.1)
// and a persistent TUN rw0 (MTU 1400), plus snapshots of links, addresses and routes.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NetworkSetup } from '../../../app/shared/network-setup.js';

const run = promisify(execFile);
let serial = 0;

export interface Snapshot {
  links: unknown;
  addresses: unknown;
  routes: unknown;
}

export interface Lab {
  ns: string;
  /** `ip -n <ns> ...`, stdout */
  ip(...args: string[]): Promise<string>;
  /** `ip -n <ns> -j ...`, parsed */
  ipJson<T = unknown>(...args: string[]): Promise<T>;
  snapshot(): Promise<Snapshot>;
  /** gives `ip netns exec` a resolv.conf of its own; returns its path */
  privateResolvConf(content: string): Promise<string>;
  destroy(): Promise<void>;
}

export async function createLab(tag: string): Promise<Lab> {
  const ns = `rwnc-${tag}-${process.pid}-${serial++}`;
  const ip = async (...args: string[]) => (await run('ip', ['-n', ns, ...args])).stdout;
  const ipJson = async <T>(...args: string[]) => JSON.parse(await ip('-j', ...args)) as T;
  const etcDir = `/etc/netns/${ns}`;
  await run('ip', ['netns', 'add', ns]);
  const lab: Lab = {
    ns,
    ip,
    ipJson,
    snapshot: async () => ({
      links: await ipJson('link', 'show'),
      addresses: await ipJson('-4', 'addr', 'show'),
      routes: await ipJson('-4', 'route', 'show', 'table', 'all'),
    }),
    privateResolvConf: async (content) => {
      await mkdir(etcDir, { recursive: true });
      await writeFile(`${etcDir}/resolv.conf`, content);
      return `${etcDir}/resolv.conf`;
    },
    destroy: async () => {
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
      await rm(etcDir, { recursive: true, force: true });
      // only when empty: other namespaces may have theirs there
      await rmdir('/etc/netns').catch(() => undefined);
    },
  };
  try {
    await ip('link', 'set', 'lo', 'up');
    await ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0');
    await ip('addr', 'add', '192.0.2.2/24', 'dev', 'eth0');
    await ip('link', 'set', 'peer0', 'up');
    await ip('link', 'set', 'eth0', 'up');
    await ip('route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'eth0');
    await ip('tuntap', 'add', 'mode', 'tun', 'name', 'rw0');
    await ip('link', 'set', 'rw0', 'mtu', '1400');
    // the first "up" attaches a qdisc for good: do it now so snapshots compare what we change
    await ip('link', 'set', 'rw0', 'up');
    await ip('link', 'set', 'rw0', 'down');
    await waitForOperstateUp(ipJson);
  } catch (error) {
    await lab.destroy();
    throw error;
  }
  return lab;
}

/** A lab namespace and a private state dir for crash records, both removed whatever happens. */
export async function withLab(
  tag: string,
  body: (lab: Lab, stateDir: string) => Promise<void>,
): Promise<void> {
  const lab = await createLab(tag);
  const stateDir = await mkdtemp(join(tmpdir(), 'rw-netconfig-'));
  try {
    await body(lab, stateDir);
  } finally {
    await lab.destroy();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function waitForOperstateUp(ipJson: Lab['ipJson']): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [link] = await ipJson<Array<{ operstate: string }>>('link', 'show', 'eth0');
    if (link?.operstate === 'UP') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('eth0 did not come up');
}

/** The lab gateway's Mode Config (capture vpnc-strongswan-nat), split tunnel, DNS left alone. */
export function labSetup(
  overrides: Partial<NetworkSetup> = {},
  config: Partial<NetworkSetup['config']> = {},
): NetworkSetup {
  return {
    tunName: 'rw0',
    mtu: 1400,
    gateway: '198.51.100.1',
    script: 'builtin',
    skipDns: true,
    ...overrides,
    config: {
      internalIp4: '198.19.99.1',
      dns: ['198.19.77.53'],
      nbns: ['198.19.77.54'],
      dns6: [],
      splitInclude6: [],
      defaultDomain: 'corp.lab.example',
      banner: 'Welcome to the IKEv1 lab gateway (authorised users only)',
      splitDns: [],
      splitInclude: [split('198.19.77.0', 24)],
      splitExclude: [],
      backupServers: [],
      ...config,
    },
  };
}

/** A stand-in resolvectl that logs its arguments (the real one would talk to the host's
 * resolved): its path, and the log's. */
export async function loggingResolvectl(dir: string): Promise<{ resolvectl: string; log: string }> {
  const log = join(dir, 'resolvectl.log');
  const resolvectl = join(dir, 'resolvectl');
  await writeFile(resolvectl, `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
  return { resolvectl, log };
}

export function split(address: string, prefix: number) {
  return { network: { address, prefix }, protocol: 0, sourcePort: 0, destinationPort: 0 };
}

/** Routes of the main table as "dst dev via" strings, for readable assertions. */
export async function mainRoutes(lab: Lab): Promise<string[]> {
  const routes = await lab.ipJson<Array<{ dst: string; dev: string; gateway?: string }>>(
    '-4',
    'route',
    'show',
  );
  return routes.map((route) => [route.dst, route.dev, route.gateway].filter(Boolean).join(' '));
}
