// `roadwarrior ui`: the desktop app's service and renderer, served to a local browser (the
// headless alternative to Electron). Same VpnService, same IPC contract.
import { createInProcessDataPlane } from '../dataplane/index.js';
import { connect } from '../engine/index.js';
import { createDesktopService } from '../main/service/create-service.js';
import { parseUiArgs, runUiCommand } from '../main/webhost/ui-command.js';

export function uiCommand(argv: string[]): Promise<number> {
  const { port } = parseUiArgs(argv);
  return runUiCommand({
    service: createDesktopService({ connect, createDataPlane: () => createInProcessDataPlane() }),
    port,
    write: (s: string) => process.stderr.write(s),
  });
}
