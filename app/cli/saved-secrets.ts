// The CLI's side of the OS keychain: the same entries as the desktop app (service
// "Roadwarrior", account "PROFILE:KIND", bound to the profile's gateway and group), and the
// group key file an admin put beside a managed profile. Loaded only when a secret is needed.
import { Keychain } from '../main/service/keychain.js';
import type { CredentialStore } from '../main/service/credential-store.js';
import { KeytarCredentialStore } from '../main/service/keytar-credential-store.js';
import { ManagedProfiles, managedProfileDirectory } from '../profiles/managed.js';
import type { SecretKind } from '../shared/ipc-schemas.js';
import type { Profile } from '../shared/profile.js';
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

/** A secret saved for this profile (and its gateway and group), or undefined. */
export async function savedSecret(profile: Profile, kind: SecretKind): Promise<Secret | undefined> {
  const keychain = await openKeychain();
  const { secret, savedFor } = await keychain.getFor(profile, kind);
  if (savedFor)
    warnOnStderr(
      `the ${kind} saved for "${profile.name}" is for ${savedFor.gateway} (group ${savedFor.group}), not this gateway and group: asking instead`,
    );
  if (secret) {
    warnOnStderr(`using the ${kind} saved in the keychain for "${profile.name}"`);
    return secret;
  }
  return kind === 'group-psk' ? managedGroupKey(profile.name) : undefined;
}

/** The group key file beside a managed profile of this name, if the admin put one there. */
async function managedGroupKey(name: string): Promise<Secret | undefined> {
  const { entries } = await new ManagedProfiles(managedProfileDirectory()).list();
  const managed = entries.find((e) => e.profile.name === name);
  if (!managed) return undefined;
  try {
    const key = await ManagedProfiles.readGroupKey(managed.file);
    if (key) warnOnStderr(`using the group key file beside ${managed.file}`);
    return key;
  } catch (error) {
    warnOnStderr((error as Error).message);
    return undefined;
  }
}
