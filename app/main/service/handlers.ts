// The IPC contract's handlers, on the service. Each host (Electron, web) uses these and may
// replace the ones that depend on it (logs.export and support.bundle save through a dialog in
// Electron).
import type { InvokeHandlers } from '../../shared/ui/ipc.js';
import type { AppInfo } from '../../shared/ui/ipc-schemas.js';
import { serviceSupportBundle } from './support-bundle.js';
import type { VpnService } from './vpn-service.js';

export interface HostInfo {
  host: AppInfo['host'];
  version: string;
}

export function createServiceHandlers(service: VpnService, host: HostInfo): InvokeHandlers {
  return {
    'app.info': () => ({
      name: 'Roadwarrior',
      version: host.version,
      host: host.host,
      platform: process.platform,
      configDir: service.profiles.directory,
      logCapacity: service.logCapacity,
      keychain: service.keychain.status,
    }),
    'profiles.list': () => service.listProfiles(),
    'profiles.get': ({ name }) => service.getProfile(name),
    'profiles.save': ({ profile, previousName }) => service.saveProfile(profile, previousName),
    'profiles.delete': async ({ name }) => ({ deleted: await service.deleteProfile(name) }),
    'profiles.import': ({ fileName, contentBase64, name }) =>
      service.importProfile(fileName, Buffer.from(contentBase64, 'base64'), name),
    'profiles.duplicate': ({ name, newName }) => service.duplicateProfile(name, newName),
    'credentials.status': ({ profile }) => service.credentialStatus(profile),
    'credentials.set': ({ profile, kind, value }) => service.setCredential(profile, kind, value),
    'credentials.clear': ({ profile, kind }) => service.clearCredential(profile, kind),
    'connection.connect': ({ profile, logLevel }) => service.connect(profile, logLevel),
    'connection.disconnect': () => service.disconnect(),
    'connection.status': () => service.snapshot(),
    'prompt.answer': (answer) => ({ accepted: service.answerPrompt(answer) }),
    'prompt.cancel': ({ id }) => ({ cancelled: service.cancelPrompt(id) }),
    'banner.acknowledge': ({ id, accept }) => service.acknowledgeBanner(id, accept),
    'logs.read': ({ afterSeq, limit }) => service.readLogs(afterSeq, limit),
    'logs.export': ({ format }) => service.exportLogs(format),
    'logs.sessions': () => ({ sessions: service.earlierLogSessions() }),
    'support.bundle': async () => {
      const { archive, suggestedName } = await serviceSupportBundle(service);
      return { suggestedName, archiveBase64: archive.toString('base64') };
    },
  };
}
