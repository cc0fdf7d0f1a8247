// The main window, locked down: context isolation, sandbox, no Node, our page only, and no
// DevTools in a packaged build (they would reach the IPC bridge from outside the UI).
import { BrowserWindow, app, nativeTheme } from 'electron';
import { APP_ENTRY_URL } from '../ipc/trusted-sender.js';

export function createMainWindow(preload: string, icon: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1240,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Roadwarrior',
    icon,
    autoHideMenuBar: true,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#0e1116' : '#f4f6f8',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}
