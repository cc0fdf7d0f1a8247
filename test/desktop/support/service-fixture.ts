// A real VpnService on a temporary profile directory, an in-memory keychain and the fake engine,
// with every event it emits recorded and a way to wait for one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventMessage, EventName, EventPayload } from '../../../app/shared/ui/ipc.js';
import type { ProfileInput } from '../../../app/shared/profile.js';
import {
  type CredentialStore,
  MemoryCredentialStore,
} from '../../../app/main/service/credential-store.js';
import { ProfileStore } from '../../../app/main/service/profile-store.js';
import { Secret } from '../../../app/shared/secret.js';
import { type SecretBinding, unbindSecret } from '../../../app/main/service/secret-binding.js';
import type { SecretKind } from '../../../app/shared/ui/ipc-schemas.js';
import { VpnService, type VpnServiceOptions } from '../../../app/main/service/vpn-service.js';
import { FakeGateway, type FakeGatewayOptions, noDataPlane } from './fake-engine.js';

export const GATEWAY_SECRETS = {
  groupPsk: 'group-secret',
  username: 'alice',
  password: 'correct horse',
};

export const OFFICE_PROFILE: ProfileInput = {
  name: 'Office',
  gateway: 'vpn.example.com',
  group: 'staff',
  username: 'alice',
};

/** A saved secret as the store holds it: its text and the gateway and group it is bound to. */
export async function savedSecret(
  store: CredentialStore,
  profile: string,
  kind: SecretKind,
): Promise<{ value: string; binding?: SecretBinding } | undefined> {
  const stored = await store.get(profile, kind);
  if (!stored) return undefined;
  const { secret, binding } = unbindSecret(stored);
  return { value: secret.revealString(), ...(binding ? { binding } : {}) };
}

/** The gateway's group key and password saved for "Office": a connect asks for nothing. */
export async function saveGatewaySecrets(store: CredentialStore): Promise<void> {
  await store.set('Office', 'group-psk', Secret.fromString(GATEWAY_SECRETS.groupPsk));
  await store.set('Office', 'xauth-password', Secret.fromString(GATEWAY_SECRETS.password));
}

export interface ServiceFixture {
  service: VpnService;
  gateway: FakeGateway;
  credentials: CredentialStore;
  directory: string;
  messages: EventMessage[];
  waitFor<E extends EventName>(
    name: E,
    predicate: (payload: EventPayload<E>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<EventPayload<E>>;
  close(): Promise<void>;
}

export async function createServiceFixture(
  gatewayOptions: Partial<FakeGatewayOptions> = {},
  serviceOptions: Partial<VpnServiceOptions> = {},
): Promise<ServiceFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'rw-desktop-'));
  const gateway = new FakeGateway({ ...GATEWAY_SECRETS, countersIntervalMs: 0, ...gatewayOptions });
  const credentials = serviceOptions.credentials ?? new MemoryCredentialStore();
  const service = new VpnService({
    connect: gateway.connect,
    createDataPlane: noDataPlane,
    profiles: new ProfileStore(join(directory, 'profiles')),
    credentials,
    backoff: { initialMs: 20, maxMs: 100, maxAttempts: 3, jitter: 0 },
    ...serviceOptions,
  });
  const messages: EventMessage[] = [];
  const waiters = new Set<() => void>();
  service.on((message) => {
    messages.push(message);
    for (const waiter of [...waiters]) waiter();
  });
  await service.start();
  await service.saveProfile(OFFICE_PROFILE);

  const waitFor: ServiceFixture['waitFor'] = (name, predicate, what, timeoutMs = 3000) =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < messages.length; seen++) {
          const message = messages[seen];
          if (message?.name === name && predicate(message.payload as never)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(message.payload as never);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    service,
    gateway,
    credentials,
    directory,
    messages,
    waitFor,
    async close() {
      await service.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
