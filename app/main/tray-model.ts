// What the tray shows for a service state: icon colour, tooltip and menu entries. Plain data, so
// it is tested without Electron; tray.ts turns it into a Tray and a Menu.
import type { ServiceSnapshot } from '../shared/ui/ipc-schemas.js';
import type { Profile } from '../shared/profile.js';

export type TrayIcon = 'disconnected' | 'connecting' | 'connected' | 'failed';

export type TrayEntry =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'connect'; label: string; profile: string }
  | { kind: 'disconnect'; label: string }
  | { kind: 'show'; label: string }
  | { kind: 'quit'; label: string };

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  entries: TrayEntry[];
}

const ICON: Record<ServiceSnapshot['phase'], TrayIcon> = {
  idle: 'disconnected',
  connecting: 'connecting',
  reconnecting: 'connecting',
  disconnecting: 'connecting',
  connected: 'connected',
  failed: 'failed',
};

function statusText(snapshot: ServiceSnapshot): string {
  const profile = snapshot.profile ?? '';
  switch (snapshot.phase) {
    case 'connected':
      return `Connected: ${profile}${snapshot.network?.internalIp4 ? ` (${snapshot.network.internalIp4})` : ''}`;
    case 'connecting':
      return `Connecting: ${profile}`;
    case 'reconnecting':
      return `Reconnecting: ${profile}${snapshot.reconnect ? ` (attempt ${snapshot.reconnect.attempt})` : ''}`;
    case 'disconnecting':
      return 'Disconnecting';
    case 'failed':
      return `Failed: ${snapshot.failure?.message ?? profile}`;
    default:
      return 'Not connected';
  }
}

export function trayModel(snapshot: ServiceSnapshot, profiles: Pick<Profile, 'name'>[]): TrayModel {
  const status = statusText(snapshot);
  const active = snapshot.phase !== 'idle' && snapshot.phase !== 'failed';
  const entries: TrayEntry[] = [{ kind: 'status', label: status }, { kind: 'separator' }];
  if (active)
    entries.push({
      kind: 'disconnect',
      label: snapshot.phase === 'connected' ? 'Disconnect' : 'Cancel',
    });
  else
    entries.push(
      ...profiles.map((p): TrayEntry => ({
        kind: 'connect',
        label: `Connect “${p.name}”`,
        profile: p.name,
      })),
    );
  entries.push(
    { kind: 'separator' },
    { kind: 'show', label: 'Show Roadwarrior' },
    { kind: 'quit', label: 'Quit (disconnects)' },
  );
  return { icon: ICON[snapshot.phase], tooltip: `Roadwarrior: ${status}`, entries };
}
