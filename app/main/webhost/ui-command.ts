// `roadwarrior ui`: the desktop UI without Electron (its arguments: app/cli/ui-command.ts).
// Serves the VpnService on 127.0.0.1 with a random token, prints the URL, and runs until
// SIGINT/SIGTERM (then disconnects cleanly).
import { fileURLToPath } from 'node:url';
import type { VpnService } from '../service/vpn-service.js';
import { startWebHost } from './web-host.js';

/** where `npm run build:renderer` puts the UI */
export const DEFAULT_STATIC_DIR = fileURLToPath(
  new URL('../../../dist/renderer/', import.meta.url),
);

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
