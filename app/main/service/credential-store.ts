// Where saved secrets live: the OS keychain in the app, memory in tests. One entry per profile
// and kind. Secrets leave a store only as Secret objects, and only towards the engine.
import type { KeychainStatus, SecretKind } from '../../shared/ui/ipc-schemas.js';
import { Secret } from '../../shared/secret.js';

export interface CredentialStore {
  /** Is the keychain usable? Never throws: an unusable one says why. */
  probe(): Promise<KeychainStatus>;
  get(profile: string, kind: SecretKind): Promise<Secret | undefined>;
  set(profile: string, kind: SecretKind, secret: Secret): Promise<void>;
  /** true when something was deleted */
  delete(profile: string, kind: SecretKind): Promise<boolean>;
}

/** The keychain service name and the account of one secret ("Office:xauth-password"). */
export const KEYCHAIN_SERVICE = 'Roadwarrior';
export function accountName(profile: string, kind: SecretKind): string {
  return `${profile}:${kind}`;
}

/** A keychain failure, phrased for the user: the app goes on by asking each time. */
export function unavailableStatus(cause: unknown): KeychainStatus {
  const reason =
    (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]?.trim() ||
    'unknown error';
  return {
    available: false,
    message: `No keychain available (${reason}): passwords will be asked for each time`,
  };
}

export class MemoryCredentialStore implements CredentialStore {
  private readonly entries = new Map<string, string>();

  async probe(): Promise<KeychainStatus> {
    return { available: true };
  }

  async get(profile: string, kind: SecretKind): Promise<Secret | undefined> {
    const value = this.entries.get(accountName(profile, kind));
    return value === undefined ? undefined : Secret.fromString(value);
  }

  async set(profile: string, kind: SecretKind, secret: Secret): Promise<void> {
    this.entries.set(accountName(profile, kind), secret.revealString());
  }

  async delete(profile: string, kind: SecretKind): Promise<boolean> {
    return this.entries.delete(accountName(profile, kind));
  }
}
