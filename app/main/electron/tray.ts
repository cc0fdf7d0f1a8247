// The tray icon: coloured by state, with connect (per profile) and disconnect in its menu.
import { join } from 'node:path';
import { Menu, type MenuItemConstructorOptions, Tray, nativeImage } from 'electron';
import type { VpnService } from '../service/vpn-service.js';
import { type TrayEntry, type TrayIcon, trayModel } from '../tray-model.js';

export interface TrayActions {
  show(): void;
  quit(): void;
}

export function createTray(service: VpnService, iconsDir: string, actions: TrayActions): Tray {
  const image = (icon: TrayIcon) => nativeImage.createFromPath(join(iconsDir, `tray-${icon}.png`));
  const tray = new Tray(image('disconnected'));
  const item = (entry: TrayEntry): MenuItemConstructorOptions => {
    switch (entry.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'status':
        return { label: entry.label, enabled: false };
      case 'connect':
        return {
          label: entry.label,
          click: () => {
            actions.show();
            void service.connect(entry.profile, 'debug').catch(() => undefined);
          },
        };
      case 'disconnect':
        return { label: entry.label, click: () => void service.disconnect() };
      case 'show':
        return { label: entry.label, click: actions.show };
      case 'quit':
        return { label: entry.label, click: actions.quit };
    }
  };
  const refresh = async () => {
    const { profiles } = await service.listProfiles().catch(() => ({ profiles: [] }));
    const model = trayModel(service.snapshot(), profiles);
    tray.setImage(image(model.icon));
    tray.setToolTip(model.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(model.entries.map(item)));
  };
  service.on((message) => {
    if (message.name === 'snapshot') void refresh();
  });
  tray.on('click', actions.show);
  void refresh();
  return tray;
}
