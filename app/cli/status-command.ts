// `roadwarrior status`: the tunnels this user's `roadwarrior connect` processes run, shown as a
// head-end shows its own (`show crypto isakmp sa`, `show crypto ipsec sa`), worded by
// app/shared/ui/event-text.ts.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { tunnelStatusText } from '../shared/ui/event-text.js';
import { readSessions, sessionDir } from './session-file.js';
import type { Subcommand } from './subcommand.js';

export const STATUS_USAGE = `usage: roadwarrior status [--json]

  the running tunnels of this user: IKE and IPsec SAs, lifetimes, counters, drops, diagnosis
  --json   one JSON object per tunnel and line`;

export const STATUS_OPTIONS = {
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export const STATUS: Subcommand = { usage: STATUS_USAGE, run: statusCommand };

async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: STATUS_OPTIONS, strict: true });
  const sessions = readSessions(sessionDir());
  if (values.json) {
    for (const session of sessions) process.stdout.write(`${JSON.stringify(session)}\n`);
  } else {
    process.stdout.write(
      sessions.length
        ? sessions.map((s) => tunnelStatusText(s, Date.now())).join('\n')
        : 'no tunnels running\n',
    );
  }
  return 0;
}
