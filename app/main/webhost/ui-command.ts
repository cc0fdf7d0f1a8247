// `roadwarrior ui`: the desktop UI without Electron. Serves the VpnService on 127.0.0.1 with a
// random token, prints the URL, and runs until SIGINT/SIGTERM (then disconnects cleanly).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { VpnService } from '../service/vpn-service.js';
import { startWebHost } from './web-host.js';

export const UI_USAGE =
  'usage: roadwarrior ui [--port N] [--static-dir DIR] [--no-dns] [--helper SOCKET]   (serves the UI on http://127.0.0.1 with an access token)';

/** where `npm run build:renderer` puts the UI */
export const DEFAULT_STATIC_DIR = fileURLToPath(
  new URL('../../../dist/renderer/', import.meta.url),
);

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
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'static-dir': { type: 'string' },
      'no-dns': { type: 'boolean', default: false },
      helper: { type: 'string' },
    },
    strict: true,
  });
  const args: UiArgs = {
    staticDir: values['static-dir'],
    skipDns: values['no-dns'],
    helperSocket: values.helper,
  };
  if (values.port === undefined) return args;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, not ${values.port}`);
  return { ...args, port };
}

export interface UiCommandDeps {
  service: VpnService;
  port?: number;
  staticDir?: string;
  version?: string;
  write: (text: string) => void;
  /** ends the command; default: the first SIGINT or SIGTERM */
  until?: Promise<unknown>;
}

export async function runUiCommand(deps: UiCommandDeps): Promise<number> {
  await deps.service.start();
  const host = await startWebHost({
    service: deps.service,
    staticDir: deps.staticDir ?? DEFAULT_STATIC_DIR,
    ...(deps.port !== undefined ? { port: deps.port } : {}),
    ...(deps.version ? { version: deps.version } : {}),
  });
  const keychain = deps.service.keychain.status;
  deps.write(`Roadwarrior UI: ${host.url}\n`);
  deps.write(
    'Open it in a browser on this machine; the URL holds the access token, keep it private.\n',
  );
  if (!keychain.available) deps.write(`${keychain.message}\n`);
  deps.write('Ctrl-C stops the UI and disconnects.\n');
  await (deps.until ?? firstSignal());
  await deps.service.close();
  await host.close();
  return 0;
}

function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
