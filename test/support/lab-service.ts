// The desktop service (VpnService, with its connection supervisor) against the interop lab
// through the lab's privileged helper: the engine in the test process, profile "lab" saved
// for alice with both secrets stored, so connect('lab') asks nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connect } from '../../app/engine/index.js';
import { createHelperDataPlane } from '../../app/helper/client.js';
import type { BackoffOptions } from '../../app/main/service/backoff.js';
import { MemoryCredentialStore } from '../../app/main/service/credential-store.js';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { VpnService } from '../../app/main/service/vpn-service.js';
import type { ServiceSnapshot } from '../../app/shared/ui/ipc-schemas.js';
import type { ProfileInput } from '../../app/shared/profile.js';
import { LAB_ADDRESSES, LAB_DEFAULTS } from '../lab/index.js';

export interface LabService {
  service: VpnService;
  /** the service's keychain */
  credentials: MemoryCredentialStore;
  /** closes the service (a session still up is disconnected) and removes its files */
  close(): Promise<void>;
}

export async function startLabService(
  helperSocket: string,
  backoff: BackoffOptions,
  profile: Partial<ProfileInput> = {},
): Promise<LabService> {
  const user = LAB_DEFAULTS.users[0]!;
  const directory = await mkdtemp(join(tmpdir(), 'rw-lab-service-'));
  const credentials = new MemoryCredentialStore();
  const service = new VpnService({
    connect,
    createDataPlane: () => createHelperDataPlane({ socketPath: helperSocket }),
    profiles: new ProfileStore(join(directory, 'profiles')),
    credentials,
    connectDefaults: { skipDns: true },
    backoff,
  });
  const close = async () => {
    await service.close();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await service.start();
    await service.saveProfile({
      name: 'lab',
      gateway: LAB_ADDRESSES.gateway,
      group: LAB_DEFAULTS.group,
      username: user.name,
      ...profile,
    });
    await service.setCredential('lab', 'group-psk', LAB_DEFAULTS.groupPsk);
    await service.setCredential('lab', 'xauth-password', user.password);
  } catch (error) {
    await close();
    throw error;
  }
  return { service, credentials, close };
}

/** Polls the service's snapshot until `wanted` holds (the bound, 30 s unless `boundMs` says
 * otherwise, only keeps a hang finite). */
export async function untilSnapshot(
  service: VpnService,
  wanted: (snapshot: ServiceSnapshot) => boolean,
  what: string,
  boundMs = 30_000,
): Promise<void> {
  for (let polls = 0; polls < boundMs / 50; polls++) {
    if (wanted(service.snapshot())) return;
    await delay(50);
  }
  throw new Error(`never ${what}; last snapshot: ${JSON.stringify(service.snapshot())}`);
}
