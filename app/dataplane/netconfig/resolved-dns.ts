// DNS for the built-in configurator: per-link servers and domains in systemd-resolved, so
// resolv.conf is never edited (and `resolvectl revert` takes it all back). Search domain: the
// Unity default domain; split-DNS names become routing-only domains (~name); a full tunnel
// also takes `~.`, so every name without a more specific route is asked through the tunnel.
import type { NetworkSetup } from '../../shared/network-setup.js';
import { NetworkConfigError } from './errors.js';
import { dnsDomains } from './setup-check.js';
import type { SystemCommands } from './system-commands.js';
import type { JournalEntry } from './undo-journal.js';

/** What vpnc-script checks as well: resolvectl answers, so resolved runs. */
export async function resolvedIsRunning(
  commands: SystemCommands,
  resolvectl: string,
): Promise<boolean> {
  try {
    return (await commands.tool(resolvectl, ['status'])).exitCode === 0;
  } catch {
    return false;
  }
}

export function resolvedUndoEntry(resolvectl: string, tunName: string): JournalEntry {
  return {
    what: `DNS for ${tunName} in systemd-resolved`,
    undo: { program: 'resolvectl', file: resolvectl, args: ['revert', tunName] },
  };
}

/** Returns the changes made, in words. */
export async function applyResolvedDns(
  commands: SystemCommands,
  resolvectl: string,
  setup: NetworkSetup,
  fullTunnel: boolean,
): Promise<string[]> {
  const { defaultDomain, splitDns } = dnsDomains(setup.config);
  const domains = [
    ...(defaultDomain === undefined ? [] : [defaultDomain]),
    ...splitDns.map((name) => `~${name}`),
    ...(fullTunnel ? ['~.'] : []),
  ];
  const calls = [
    ['dns', setup.tunName, ...setup.config.dns, ...setup.config.dns6],
    ...(domains.length > 0 ? [['domain', setup.tunName, ...domains]] : []),
  ];
  for (const args of calls) {
    const result = await commands.tool(resolvectl, args);
    if (result.exitCode !== 0) {
      const step = `resolvectl ${args.join(' ')}`;
      throw new NetworkConfigError(
        'dns-failed',
        `${step}: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
        {
          step,
        },
      );
    }
  }
  return calls.map((args) => `resolvectl ${args.join(' ')}`);
}
