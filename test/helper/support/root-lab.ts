// Why the helper's namespace tests cannot run here, or undefined: they need root (namespaces,
// TUN, other users through setpriv) and the tools. Reported loudly by reportSkippedSuite.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export function rootLabSkipReason(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'helper namespace tests need root (namespaces, TUN, setpriv)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  for (const tool of ['ip', 'setpriv']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}
