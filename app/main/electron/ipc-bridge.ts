// The IPC contract over Electron IPC: invokes accepted only from our own top-level frame and
// validated by the dispatcher; service events sent to the window. logs.export and support.bundle
// save through a dialog here instead of handing the file to the page.
import { writeFile } from 'node:fs/promises';
import { type BrowserWindow, dialog, ipcMain } from 'electron';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../shared/ui/ipc-channels.js';
import type { InvokeHandlers } from '../../shared/ui/ipc.js';
import { createDispatcher } from '../ipc/dispatcher.js';
import { isTrustedSenderUrl } from '../ipc/trusted-sender.js';
import { createServiceHandlers } from '../service/handlers.js';
import { serviceSupportBundle } from '../service/support-bundle.js';
import type { VpnService } from '../service/vpn-service.js';

export function bridgeIpc(
  service: VpnService,
  window: () => BrowserWindow | undefined,
  version: string,
): void {
  /** the file the user chooses, written 0600; undefined when cancelled */
  const saveAs = async (suggestedName: string, data: string | Buffer) => {
    const owner = window();
    const options = { defaultPath: suggestedName };
    const choice = owner
      ? await dialog.showSaveDialog(owner, options)
      : await dialog.showSaveDialog(options);
    if (choice.canceled || !choice.filePath) return undefined;
    await writeFile(choice.filePath, data, { mode: 0o600 });
    return choice.filePath;
  };
  const exportLogs: InvokeHandlers['logs.export'] = async ({ format }) => {
    const { text, lines, suggestedName } = service.exportLogs(format);
    const savedTo = await saveAs(suggestedName, text);
    return { lines, suggestedName, ...(savedTo ? { savedTo } : {}) };
  };
  const saveSupportBundle: InvokeHandlers['support.bundle'] = async () => {
    const { archive, suggestedName } = await serviceSupportBundle(service);
    const savedTo = await saveAs(suggestedName, archive);
    return { suggestedName, ...(savedTo ? { savedTo } : {}) };
  };
  const dispatch = createDispatcher({
    ...createServiceHandlers(service, { host: 'electron', version }),
    'logs.export': exportLogs,
    'support.bundle': saveSupportBundle,
  });

  ipcMain.handle(INVOKE_CHANNEL, (event, name: unknown, input: unknown) => {
    const frame = event.senderFrame;
    if (!isTrustedSenderUrl(frame?.url, frame !== null && frame.parent === null)) {
      return {
        ok: false,
        error: {
          code: 'forbidden',
          message: 'requests are accepted only from the Roadwarrior window',
        },
      };
    }
    return dispatch(name, input);
  });

  service.on((message) => {
    const target = window();
    if (target && !target.isDestroyed()) target.webContents.send(EVENT_CHANNEL, message);
  });
}
