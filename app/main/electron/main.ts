// Electron's main process: a thin shell around the VpnService (the real engine; the data plane
// through the privileged helper unless running as root), one locked-down window, a tray, and
// the IPC bridge. Closing the window keeps the tunnel up in the tray; quitting disconnects
// (DELETEs sent) first.
import { join } from 'node:path';
import { type BrowserWindow, app, powerMonitor } from 'electron';
import { connect } from '../../engine/index.js';
import { createDataPlaneFor } from '../data-plane-choice.js';
import { createDesktopService } from '../service/create-service.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { hardenApp, hardenSession } from './hardening.js';
import { bridgeIpc } from './ipc-bridge.js';
import { profileFilesIn } from './opened-files.js';
import { createTray } from './tray.js';
import { createMainWindow } from './window.js';

registerAppScheme();
hardenApp();
if (!app.requestSingleInstanceLock()) app.quit();

const service = createDesktopService({
  connect,
  createDataPlane: createDataPlaneFor({ uid: process.getuid?.() }),
});
const root = app.getAppPath();
const iconsDir = app.isPackaged
  ? join(process.resourcesPath, 'icons')
  : join(root, 'build', 'icons');
let window: BrowserWindow | undefined;
let quitting = false;

function showWindow(): void {
  if (!window || window.isDestroyed()) {
    window = createMainWindow(
      join(root, 'dist', 'electron', 'preload.cjs'),
      join(iconsDir, 'icon.png'),
    );
    window.on('close', (event) => {
      if (quitting) return;
      event.preventDefault();
      window?.hide();
    });
  }
  window.show();
  window.focus();
}

/** profile files opened with the app before the service was ready */
const opened: string[] = profileFilesIn(process.argv);
let ready = false;
const importOpened = (files: string[]) => {
  if (!ready) return void opened.push(...files);
  for (const file of files) void service.importOpenedFile(file);
};

app.on('second-instance', (_event, argv) => {
  importOpened(profileFilesIn(argv));
  showWindow();
});
app.on('open-file', (event, path) => {
  event.preventDefault();
  importOpened(profileFilesIn([path]));
  if (ready) showWindow();
});
app.on('window-all-closed', () => undefined); // the tray keeps the app (and the tunnel) alive
app.on('before-quit', (event) => {
  if (quitting) return;
  event.preventDefault();
  quitting = true;
  void service.close().finally(() => app.quit());
});

void app.whenReady().then(async () => {
  hardenSession();
  serveRenderer(join(root, 'dist', 'renderer'));
  await service.start();
  bridgeIpc(service, () => window, app.getVersion());
  createTray(service, iconsDir, { show: showWindow, quit: () => app.quit() });
  powerMonitor.on('resume', () => void service.reconnectNow('resumed from sleep'));
  showWindow();
  ready = true;
  importOpened(opened.splice(0));
});
