// The composition root for a real desktop service: profiles where the CLI finds them, secrets
// in the OS keychain, and the engine and data plane the caller passes (the e2e passes a fake).
import { join } from 'node:path';
import { profileDirectory } from '../../cli/profile-source.js';
import { withBackupGateways } from '../../profiles/backup-gateways.js';
import { withManagedGroupKey } from '../../profiles/managed-key.js';
import { ManagedProfiles, managedProfileDirectory } from '../../profiles/managed.js';
import { withIkeCapture } from '../../support/capture-file.js';
import type { DataPlanePort } from '../../shared/dataplane-port.js';
import type { ConnectDefaults, ConnectFunction } from './connection-supervisor.js';
import type { CredentialStore } from './credential-store.js';
import { KeytarCredentialStore } from './keytar-credential-store.js';
import { RotatingLogFile, logFileWriter, readLogSessions, stateDirectory } from './log-file.js';
import { ProfileStore } from './profile-store.js';
import { VpnService } from './vpn-service.js';

/** how often the machine's addresses are compared (a change triggers a reconnect) */
const NETWORK_WATCH_INTERVAL_MS = 3000;

export interface DesktopServiceDeps {
  connect: ConnectFunction;
  createDataPlane: () => DataPlanePort;
  profileDir?: string;
  /** the admin's read-only profiles (default: the platform's system directory) */
  managedProfileDir?: string;
  credentials?: CredentialStore;
  connectDefaults?: ConnectDefaults;
  /** where the rotating log goes (default: the user's state directory) */
  logDir?: string;
}

export function createDesktopService(deps: DesktopServiceDeps): VpnService {
  const managed = new ManagedProfiles(deps.managedProfileDir ?? managedProfileDirectory());
  const logFile = openLogFile(deps.logDir ?? join(stateDirectory(), 'logs'));
  const service = new VpnService({
    // a profile's backup gateways are tried in order when the gateway does not answer
    // the last IKE messages of each profile, redacted, kept for the support bundle
    connect: withIkeCapture(withBackupGateways(withManagedGroupKey(deps.connect, managed))),
    createDataPlane: deps.createDataPlane,
    profiles: new ProfileStore(deps.profileDir ?? profileDirectory(), managed),
    credentials: deps.credentials ?? new KeytarCredentialStore(),
    networkWatchIntervalMs: NETWORK_WATCH_INTERVAL_MS,
    ...(deps.connectDefaults ? { connectDefaults: deps.connectDefaults } : {}),
    ...(logFile ? { logSessions: () => readLogSessions(logFile) } : {}),
  });
  if (logFile) service.on(logFileWriter(logFile));
  return service;
}

/** The log survives a restart; a state directory we cannot create costs the file, not the app. */
function openLogFile(dir: string): RotatingLogFile | undefined {
  try {
    const file = new RotatingLogFile(dir);
    file.startSession();
    return file;
  } catch (error) {
    console.error(`roadwarrior: no log file in ${dir}: ${(error as Error).message}`);
    return undefined;
  }
}
