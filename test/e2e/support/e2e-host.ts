// The web host in this process, with a VpnService on a throwaway profile directory and an
// in-memory keychain, around the engine the test passes (the fake one). The head-end e2e runs
// the real `roadwarrior ui` in the lab's client namespace instead (ui-process.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCredentialStore } from '../../../app/main/service/credential-store.js';
import { ProfileStore } from '../../../app/main/service/profile-store.js';
import { VpnService, type VpnServiceOptions } from '../../../app/main/service/vpn-service.js';
import { startWebHost } from '../../../app/main/webhost/web-host.js';

export interface E2eHost {
  url: string;
  service: VpnService;
  close(): Promise<void>;
}

export async function startE2eHost(
  engine: Pick<VpnServiceOptions, 'connect' | 'createDataPlane' | 'connectDefaults'>,
  staticDir: string,
): Promise<E2eHost> {
  const directory = await mkdtemp(join(tmpdir(), 'rw-e2e-'));
  const service = new VpnService({
    ...engine,
    profiles: new ProfileStore(join(directory, 'profiles')),
    credentials: new MemoryCredentialStore(),
  });
  await service.start();
  const host = await startWebHost({ service, staticDir, version: '0.1.0-e2e' });
  return {
    url: host.url,
    service,
    async close() {
      await service.close();
      await host.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
