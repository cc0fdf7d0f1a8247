// The service's view of the credential store: remembers whether the keychain works, turns a
// failure into one clear status (and a notice via onUnavailable) instead of an exception, so
// the connect flow falls back to asking the user.
import type { KeychainStatus, SecretKind } from '../../shared/ui/ipc-schemas.js';
import type { Secret } from '../../shared/secret.js';
import { type CredentialStore, unavailableStatus } from './credential-store.js';
import { type SecretBinding, bindSecret, sameBinding, unbindSecret } from './secret-binding.js';
import { ServiceError } from './service-error.js';

/** What a saved secret is bound to: the profile's gateway and group. */
export interface BoundProfile extends SecretBinding {
  name: string;
}

export class Keychain {
  private current: KeychainStatus = { available: false, message: 'keychain not checked yet' };

  constructor(
    private readonly store: CredentialStore,
    private readonly onUnavailable: (status: KeychainStatus) => void,
  ) {}

  get status(): KeychainStatus {
    return this.current;
  }

  async probe(): Promise<KeychainStatus> {
    const status = await this.store.probe();
    if (status.available) this.current = status;
    else this.markUnavailable(status);
    return this.current;
  }

  /** undefined when nothing is stored or the keychain does not answer */
  async get(profile: string, kind: SecretKind): Promise<Secret | undefined> {
    if (!this.current.available) return undefined;
    try {
      return await this.store.get(profile, kind);
    } catch (error) {
      this.markUnavailable(unavailableStatus(error));
      return undefined;
    }
  }

  /** The secret saved for this profile's gateway and group. One saved for another gateway or
   * group is withheld (`savedFor` says which); one saved before secrets were bound is bound
   * to the profile's gateway and group now. */
  async getFor(
    profile: BoundProfile,
    kind: SecretKind,
  ): Promise<{ secret?: Secret; savedFor?: SecretBinding }> {
    const stored = await this.get(profile.name, kind);
    if (!stored) return {};
    const { secret, binding } = unbindSecret(stored);
    if (!binding) {
      await this.setFor(profile, kind, secret).catch(() => undefined);
      return { secret };
    }
    stored.wipe();
    if (sameBinding(binding, profile)) return { secret };
    secret.wipe();
    return { savedFor: binding };
  }

  /** Saves a secret bound to the profile's gateway and group. */
  async setFor(profile: BoundProfile, kind: SecretKind, secret: Secret): Promise<void> {
    const bound = bindSecret(profile, secret);
    try {
      await this.set(profile.name, kind, bound);
    } finally {
      bound.wipe();
    }
  }

  async has(profile: string, kind: SecretKind): Promise<boolean> {
    return (await this.get(profile, kind)) !== undefined;
  }

  /** An explicit user action: a failure is reported to them. */
  async set(profile: string, kind: SecretKind, secret: Secret): Promise<void> {
    if (!this.current.available)
      throw new ServiceError('keychain-unavailable', this.unavailableMessage());
    try {
      await this.store.set(profile, kind, secret);
    } catch (error) {
      this.markUnavailable(unavailableStatus(error));
      throw new ServiceError('keychain-unavailable', this.unavailableMessage());
    }
  }

  /** true when something was deleted; false also when the keychain cannot be reached */
  async delete(profile: string, kind: SecretKind): Promise<boolean> {
    if (!this.current.available) return false;
    try {
      return await this.store.delete(profile, kind);
    } catch (error) {
      this.markUnavailable(unavailableStatus(error));
      return false;
    }
  }

  private unavailableMessage(): string {
    return this.current.message ?? 'No keychain available: passwords will be asked for each time';
  }

  private markUnavailable(status: KeychainStatus): void {
    const changed = this.current.available || this.current.message !== status.message;
    this.current = status;
    if (changed) this.onUnavailable(status);
  }
}
