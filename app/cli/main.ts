// The roadwarrior command: dispatches to subcommands. Adding one is one entry in SUBCOMMANDS
// (a one-line summary and how to load its module); its module exports a Subcommand whose usage
// sits beside its option table, and `--help`, `-h`, `help NAME` and refusals work by themselves.
import { EngineError } from '../engine/api.js';
import { CONNECT } from './connect-command.js';
import { CommandFailure, type Subcommand, asksForHelp, isUsageError } from './subcommand.js';

interface SubcommandEntry {
  /** one line in `roadwarrior --help` */
  summary: string;
  load(): Promise<Subcommand>;
}

export const SUBCOMMANDS: Record<string, SubcommandEntry> = {
  connect: {
    summary: 'one connection on the command line, until Ctrl-C',
    load: () => Promise.resolve(CONNECT),
  },
  // loaded on demand: a cold `connect` should not parse the helper's or the web UI's code
  helper: {
    summary: 'the privileged helper (foreground) that the app, ui and connect --helper use',
    load: async () => {
      const { USAGE, runHelperCommand } = await import('../helper/main.js');
      return { usage: USAGE, run: (argv) => runHelperCommand(argv) };
    },
  },
  profile: {
    summary: 'import (.pcf, .vpn, JSON), list, show, export, remove and validate profiles',
    load: async () => (await import('./profile-command.js')).PROFILE,
  },
  status: {
    summary: 'the running tunnels of this user: SAs, lifetimes, counters, drops, diagnosis',
    load: async () => (await import('./status-command.js')).STATUS,
  },
  'support-bundle': {
    summary: 'one archive for the help desk: logs, profiles, SAs, diagnosis, decrypted IKE pcap',
    load: async () => (await import('./support-bundle-command.js')).SUPPORT_BUNDLE,
  },
  ui: {
    summary: 'the desktop UI, served to a browser on 127.0.0.1 with a random access token',
    load: async () => (await import('./ui-command.js')).UI,
  },
};

const width = Math.max(...Object.keys(SUBCOMMANDS).map((name) => name.length));
const USAGE = `roadwarrior: IKEv1 remote-access VPN client

usage: roadwarrior COMMAND [OPTIONS]   (roadwarrior COMMAND --help: its options)

${Object.entries(SUBCOMMANDS)
  .map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`)
  .join('\n')}
`;

/** Where main() itself writes (help, usage, refusals, one-line failures); a subcommand's own
 * output goes to the process's streams. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_OUTPUT: CliOutput = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export async function main(argv: string[], out: CliOutput = PROCESS_OUTPUT): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? rest[0] : undefined;
    const entry = topic === undefined ? undefined : SUBCOMMANDS[topic];
    if (topic !== undefined && !entry) return unknownCommand(topic, out);
    out.stdout(entry ? `${(await entry.load()).usage}\n` : USAGE);
    return 0;
  }
  if (command === undefined) {
    out.stderr(USAGE);
    return 2;
  }
  const entry = Object.hasOwn(SUBCOMMANDS, command) ? SUBCOMMANDS[command] : undefined;
  if (!entry) return unknownCommand(command, out);
  const subcommand = await entry.load();
  if (asksForHelp(rest)) {
    out.stdout(`${subcommand.usage}\n`);
    return 0;
  }
  try {
    return await subcommand.run(rest);
  } catch (error) {
    if (error instanceof EngineError) {
      out.stderr(`roadwarrior: ${error.code}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof CommandFailure) {
      out.stderr(`roadwarrior: ${error.message}\n`);
      return 1;
    }
    if (isUsageError(error)) {
      out.stderr(`roadwarrior ${command}: ${error.message}\n${subcommand.usage}\n`);
      return 2;
    }
    throw error;
  }
}

function unknownCommand(command: string, out: CliOutput): number {
  out.stderr(`roadwarrior: unknown command "${command}"\n${USAGE}`);
  return 2;
}
