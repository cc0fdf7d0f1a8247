// A throw-away network namespace for one test: lo and an uplink 192.0.2.2/24 (the
// "gateway" 192.0.2.1 sits behind it and never answers), with snapshots of what the data plane
// may change: links, IPv4 addresses and routes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let serial = 0;

export interface TestNetns {
  name: string;
  ip(...args: string[]): Promise<string>;
  snapshot(): Promise<string>;
  destroy(): Promise<void>;
}

export async function createNetns(): Promise<TestNetns> {
  const name = `rwh-${process.pid}-${serial++}`;
  const ip = async (...args: string[]) => (await run('ip', ['-n', name, ...args])).stdout;
  await run('ip', ['netns', 'add', name]);
  const netns: TestNetns = {
    name,
    ip,
    snapshot: async () =>
      [
        await ip('-br', 'link', 'show'),
        // IPv4 only: IPv6 link-local routes appear on their own whenever DAD completes
        await ip('-4', '-br', 'addr', 'show'),
        await ip('-4', 'route', 'show', 'table', 'all'),
      ].join('\n'),
    destroy: async () => {
      await run('ip', ['netns', 'del', name]).catch(() => undefined);
    },
  };
  try {
    await ip('link', 'set', 'lo', 'up');
    // no dummy driver in every kernel: a veth pair whose far end nobody answers on
    await ip('link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1');
    await ip('addr', 'add', '192.0.2.2/24', 'dev', 'uplink0');
    await ip('link', 'set', 'uplink1', 'up');
    await ip('link', 'set', 'uplink0', 'up');
  } catch (error) {
    await netns.destroy();
    throw error;
  }
  return netns;
}
