// `roadwarrior ui`: the desktop app's service and renderer, served to a local browser (the
// headless alternative to Electron). Same VpnService, same IPC contract.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };
import { connect } from '../engine/index.js';
import { createDataPlaneFor } from '../main/data-plane-choice.js';
import { createDesktopService } from '../main/service/create-service.js';
import { DEFAULT_STATIC_DIR, runUiCommand } from '../main/webhost/ui-command.js';
import { CommandFailure, type Subcommand, UsageError } from './subcommand.js';
import { ensureUiBuilt } from './ui-build.js';

export const UI_USAGE = `usage: roadwarrior ui [--port N] [--static-dir DIR] [--no-dns] [--helper SOCKET]
         serves the desktop UI on http://127.0.0.1 and prints its URL with the access token;
         --static-dir: a renderer build (default: dist/renderer, rebuilt when out of date)`;

export const UI_OPTIONS = {
  port: { type: 'string' },
  'static-dir': { type: 'string' },
  'no-dns': { type: 'boolean', default: false },
  helper: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export interface UiArgs {
  port?: number;
  staticDir?: string;
  /** like `connect --no-dns`: connections leave the resolver alone */
  skipDns: boolean;
  /** the privileged helper's socket (default: the system one unless running as root) */
  helperSocket?: string;
}

/** `--port N` (default: any free port), `--static-dir DIR` (default: DEFAULT_STATIC_DIR),
 * `--no-dns`, `--helper SOCKET` */
export function parseUiArgs(argv: string[]): UiArgs {
  const { values } = parseArgs({ args: argv, options: UI_OPTIONS, strict: true });
  const args: UiArgs = {
    staticDir: values['static-dir'],
    skipDns: values['no-dns'],
    helperSocket: values.helper,
  };
  if (values.port === undefined) return args;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, not ${values.port}`);
  return { ...args, port };
}

export function uiCommand(argv: string[]): Promise<number> {
  const { port, staticDir = DEFAULT_STATIC_DIR, skipDns, helperSocket } = parseUiArgs(argv);
  const write = (s: string) => process.stderr.write(s);
  ensureUiBuilt(staticDir, write);
  return runUiCommand({
    service: createDesktopService({
      connect,
      createDataPlane: createDataPlaneFor({ helperSocket, uid: process.getuid?.() }),
      connectDefaults: { skipDns },
    }),
    port,
    staticDir,
    // what Electron's app.getVersion() reads; without it the header says v0.0.0
    version: packageJson.version,
    write,
  }).catch((error: NodeJS.ErrnoException) => {
    // a port someone else holds, or one below 1024 without the privilege: the user's to fix
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES')
      throw new CommandFailure(`cannot serve the UI on 127.0.0.1:${port}: ${error.message}`);
    throw error;
  });
}

export const UI: Subcommand = { usage: UI_USAGE, run: uiCommand };
