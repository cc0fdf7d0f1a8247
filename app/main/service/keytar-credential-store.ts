// The OS keychain through keytar: Secret Service (GNOME Keyring, KWallet) on Linux, Keychain on
// macOS, Credential Manager on Windows. keytar is loaded lazily so a missing or broken native
// module is just "no keychain", not a crash.
import type * as KeytarModule from 'keytar';
import type { KeychainStatus, SecretKind } from '../../shared/ui/ipc-schemas.js';
import { Secret } from '../../shared/secret.js';
import {
  type CredentialStore,
  KEYCHAIN_SERVICE,
  accountName,
  unavailableStatus,
} from './credential-store.js';

type Keytar = typeof KeytarModule;

/** a locked keychain may wait for the user to unlock it; past this we ask instead */
const KEYCHAIN_TIMEOUT_MS = 30_000;
/** an account that never holds anything: reading it proves the keychain answers */
const PROBE_ACCOUNT = '.roadwarrior-probe';

export class KeytarCredentialStore implements CredentialStore {
  private keytar: Promise<Keytar> | undefined;

  constructor(private readonly load: () => Promise<Keytar> = loadKeytar) {}

  async probe(): Promise<KeychainStatus> {
    try {
      await this.call((k) => k.getPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT));
      return { available: true };
    } catch (error) {
      return unavailableStatus(error);
    }
  }

  async get(profile: string, kind: SecretKind): Promise<Secret | undefined> {
    const value = await this.call((k) =>
      k.getPassword(KEYCHAIN_SERVICE, accountName(profile, kind)),
    );
    return value === null ? undefined : Secret.fromString(value);
  }

  async set(profile: string, kind: SecretKind, secret: Secret): Promise<void> {
    await this.call((k) =>
      k.setPassword(KEYCHAIN_SERVICE, accountName(profile, kind), secret.revealString()),
    );
  }

  async delete(profile: string, kind: SecretKind): Promise<boolean> {
    return this.call((k) => k.deletePassword(KEYCHAIN_SERVICE, accountName(profile, kind)));
  }

  private async call<T>(operation: (keytar: Keytar) => Promise<T>): Promise<T> {
    this.keytar ??= this.load();
    const keytar = await this.keytar;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`the keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s`)),
        KEYCHAIN_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([operation(keytar), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function loadKeytar(): Promise<Keytar> {
  const module = (await import('keytar')) as Keytar & { default?: Keytar };
  return module.default ?? module;
}
