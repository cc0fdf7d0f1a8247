// The CLI's side of the OS keychain: the same entries as the desktop app (service
// "Roadwarrior", account "PROFILE:KIND", bound to the profile's gateway and group), and the
// group key file an admin put beside a managed profile. Loaded only when a secret is needed.
import { checkKeyPassphrase } from '../main/service/client-key-check.js';
import { Keychain } from '../main/service/keychain.js';
import type { CredentialStore } from '../main/service/credential-store.js';
import { KeytarCredentialStore } from '../main/service/keytar-credential-store.js';
import { ManagedProfiles, managedProfileDirectory } from '../profiles/managed.js';
import { SECRET_LABELS, type SecretKind } from '../shared/ui/ipc-schemas.js';
import { type Profile, clientKeyFile } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';

const warnOnStderr = (line: string) => process.stderr.write(`roadwarrior: ${line}\n`);

let opened: Promise<Keychain> | undefined;

/** The keychain, probed once per process; when there is none, that is said once. */
export function openKeychain(
  store: CredentialStore = new KeytarCredentialStore(),
  warn: (line: string) => void = warnOnStderr,
): Promise<Keychain> {
  opened ??= (async () => {
    const keychain = new Keychain(store, (status) =>
      warn(
        `${status.message ?? 'no keychain available'}`.replace(
          /passwords will be asked for each time$/,
          'secrets are not saved and are asked for on the terminal',
        ),
      ),
    );
    await keychain.probe();
    return keychain;
  })();
  return opened;
}

/** The secret for this profile: for a managed profile's group key, the admin's key file
 * when there is one (an admin rotating the key changes one file); otherwise the one saved in
 * the keychain for this profile's gateway and group. undefined: ask. */
export async function savedSecret(profile: Profile, kind: SecretKind): Promise<Secret | undefined> {
  // a token code is never replayed, even one saved before the profile was marked as such
  if (kind === 'xauth-password' && profile.tokenCode) return undefined;
  if (kind === 'group-psk') {
    const managed = new ManagedProfiles(managedProfileDirectory());
    try {
      const key = await managed.groupKeyFor(profile.name);
      if (key) {
        warnOnStderr(`using the group key file of the managed profile "${profile.name}"`);
        return key;
      }
    } catch (error) {
      warnOnStderr((error as Error).message);
    }
  }
  const keychain = await openKeychain();
  const { secret, savedFor } = await keychain.getFor(profile, kind);
  if (savedFor)
    warnOnStderr(
      `the ${SECRET_LABELS[kind]} saved for "${profile.name}" is for ${savedFor.gateway} (group ${savedFor.group}), not this gateway and group: asking instead`,
    );
  if (!secret) return undefined;
  // a key replaced since: its old passphrase would only fail the connection; ask instead
  if (
    kind === 'key-passphrase' &&
    (await checkKeyPassphrase(clientKeyFile(profile) ?? '', secret)) === 'wrong'
  ) {
    secret.wipe();
    warnOnStderr(
      `the ${SECRET_LABELS[kind]} saved for "${profile.name}" does not open ${clientKeyFile(profile) ?? 'its key'}: asking instead`,
    );
    return undefined;
  }
  warnOnStderr(`using the ${SECRET_LABELS[kind]} saved in the keychain for "${profile.name}"`);
  return secret;
}
