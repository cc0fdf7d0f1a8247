// Notices when this machine's network changes (new Wi-Fi, cable out, VPN-less roaming): the
// set of non-loopback IPv4 addresses moves. The tunnel's own interface is ignored, or the
// tunnel coming up would count as a change.
import { networkInterfaces } from 'node:os';

export interface NetworkWatchOptions {
  intervalMs: number;
  /** interface names to leave out (the tunnel's) */
  ignore: () => ReadonlySet<string>;
  read?: typeof networkInterfaces;
}

export function watchNetwork(
  onChange: (description: string) => void,
  options: NetworkWatchOptions,
): () => void {
  const read = options.read ?? networkInterfaces;
  const snapshot = () => {
    const ignored = options.ignore();
    const entries: string[] = [];
    for (const [name, addresses] of Object.entries(read())) {
      if (ignored.has(name)) continue;
      for (const a of addresses ?? [])
        if (a.family === 'IPv4' && !a.internal) entries.push(`${name} ${a.address}`);
    }
    return new Set(entries);
  };
  let last = snapshot();
  const timer = setInterval(() => {
    const now = snapshot();
    const gone = [...last].filter((e) => !now.has(e));
    const added = [...now].filter((e) => !last.has(e));
    last = now;
    if (gone.length || added.length) {
      const parts = [...gone.map((e) => `lost ${e}`), ...added.map((e) => `got ${e}`)];
      onChange(`the network changed (${parts.join(', ')})`);
    }
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
