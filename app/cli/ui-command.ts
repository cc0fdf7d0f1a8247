// `roadwarrior ui`: the desktop app's service and renderer, served to a local browser (the
// headless alternative to Electron). Same VpnService, same IPC contract.
import packageJson from '../../package.json' with { type: 'json' };
import { connect } from '../engine/index.js';
import { createDataPlaneFor } from '../main/data-plane-choice.js';
import { createDesktopService } from '../main/service/create-service.js';
import { parseUiArgs, runUiCommand } from '../main/webhost/ui-command.js';

export function uiCommand(argv: string[]): Promise<number> {
  const { port, staticDir, skipDns, helperSocket } = parseUiArgs(argv);
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
    write: (s: string) => process.stderr.write(s),
  });
}
