// Importing a profile file, for the CLI and the desktop service alike: parse (.pcf, .vpn or
// JSON), save it in the store (a managed name or an existing one refused there), and put its
// secrets straight into the keychain, bound to the profile's gateway and group. Secrets are
// wiped once handed over; a missing keychain saves nothing and says which were not saved.
import { importProfileBytes } from '../../profiles/import-file.js';
import type { FieldProblem } from '../../profiles/import-result.js';
import type { SecretKind } from '../../shared/ui/ipc-schemas.js';
import type { Profile } from '../../shared/profile.js';
import type { Secret } from '../../shared/secret.js';
import type { Keychain } from './keychain.js';
import type { ProfileStore } from './profile-store.js';

export interface ImportReport {
  profile: Profile;
  /** what was not carried over, one line per field of the file */
  notes: FieldProblem[];
  /** each secret the file held, and whether it is now in the keychain */
  secrets: { kind: SecretKind; saved: boolean }[];
}

export async function importIntoStore(
  store: ProfileStore,
  keychain: () => Promise<Keychain>,
  bytes: Uint8Array,
  file: string,
  name?: string,
): Promise<ImportReport> {
  const imported = importProfileBytes(bytes, file);
  const found: [SecretKind, Secret | undefined][] = [
    ['group-psk', imported.secrets.groupPsk],
    ['xauth-password', imported.secrets.xauthPassword],
  ];
  const secrets = found.filter((entry): entry is [SecretKind, Secret] => entry[1] !== undefined);
  try {
    const profile = await store.save(name ? { ...imported.profile, name } : imported.profile);
    const saved: ImportReport['secrets'] = [];
    if (secrets.length) {
      const chain = await keychain();
      for (const [kind, secret] of secrets) {
        const available = chain.status.available;
        if (available) await chain.setFor(profile, kind, secret);
        saved.push({ kind, saved: available });
      }
    }
    return { profile, notes: imported.notes, secrets: saved };
  } finally {
    for (const [, secret] of secrets) secret.wipe();
  }
}
