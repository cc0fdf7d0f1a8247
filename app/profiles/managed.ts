// Managed profiles: an admin's files in a system directory (pushed by Intune, Jamf, Ansible,
// GPO), JSON or Cisco .pcf, read-only and shown to every user. The group key comes from the
// user's keychain or from NAME.key beside the profile, which the admin makes readable only by
// the users allowed to connect (owner root, group roadwarrior, mode 0640).
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Profile } from '../shared/profile.js';
import { Secret } from '../shared/secret.js';
import { ProfileFileError } from './import-result.js';
import { parseProfileJson } from './json.js';
import { importPcf } from './pcf.js';

/** Where admins put managed profiles, per platform; ROADWARRIOR_MANAGED_PROFILES overrides it
 * (tests, and admins who keep them elsewhere). */
export const MANAGED_PROFILE_DIRECTORIES = {
  linux: '/etc/roadwarrior/profiles.d',
  darwin: '/Library/Application Support/Roadwarrior/profiles.d',
  win32: '%ProgramData%\\Roadwarrior\\profiles.d',
} as const;

export function managedProfileDirectory(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.ROADWARRIOR_MANAGED_PROFILES) return env.ROADWARRIOR_MANAGED_PROFILES;
  if (platform === 'win32')
    return MANAGED_PROFILE_DIRECTORIES.win32.replace(
      '%ProgramData%',
      env.ProgramData ?? 'C:\\ProgramData',
    );
  return platform === 'darwin'
    ? MANAGED_PROFILE_DIRECTORIES.darwin
    : MANAGED_PROFILE_DIRECTORIES.linux;
}

export interface ProfileProblem {
  file: string;
  message: string;
}

export interface ManagedProfile {
  profile: Profile;
  file: string;
}

export class ManagedProfiles {
  constructor(readonly directory: string) {}

  async list(): Promise<{ entries: ManagedProfile[]; problems: ProfileProblem[] }> {
    let names: string[];
    try {
      names = (await readdir(this.directory)).filter((n) => /\.(json|pcf)$/i.test(n)).sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { entries: [], problems: [] };
      return {
        entries: [],
        problems: [{ file: this.directory, message: `cannot read the managed profiles (${code})` }],
      };
    }
    const entries: ManagedProfile[] = [];
    const problems: ProfileProblem[] = [];
    for (const name of names) {
      const file = join(this.directory, name);
      try {
        const profile = await readManaged(file, problems);
        const twin = entries.find((e) => e.profile.name === profile.name);
        if (twin)
          problems.push({
            file,
            message: `${file}: name: "${profile.name}" is already the name of ${twin.file}; this one is not used`,
          });
        else {
          entries.push({ profile, file });
          await ManagedProfiles.readGroupKey(file).then(
            (key) => key?.wipe(),
            (error: Error) => problems.push({ file, message: error.message }),
          );
        }
      } catch (error) {
        problems.push({ file, message: problemMessage(error, file) });
      }
    }
    return { entries, problems };
  }

  /** The admin's group key for the managed profile of this name: undefined when it is not a
   * managed profile or has no key file; throws (saying why) for a key file it must not use. */
  async groupKeyFor(name: string): Promise<Secret | undefined> {
    const managed = (await this.list()).entries.find((e) => e.profile.name === name);
    return managed ? ManagedProfiles.readGroupKey(managed.file) : undefined;
  }

  /** The key file beside a managed profile (Office.json -> Office.key). */
  static keyFileOf(profileFile: string): string {
    return profileFile.replace(/\.(json|pcf)$/i, '.key');
  }

  /** The group key from the admin's key file; undefined when there is none. A key file every
   * user can read is refused: the admin is told how to fix it. */
  static async readGroupKey(profileFile: string): Promise<Secret | undefined> {
    const keyFile = ManagedProfiles.keyFileOf(profileFile);
    let mode: number;
    try {
      mode = (await stat(keyFile)).mode;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the group key file ${keyFile}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (mode & 0o007)
      throw new Error(
        `the group key file ${keyFile} is open to every user (mode ${(mode & 0o777).toString(8)}): ` +
          'not used; ask your administrator to make it 0640 root:roadwarrior',
      );
    let text: string;
    try {
      text = await readFile(keyFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'EACCES'
          ? `you may not read the group key file ${keyFile}: ask your administrator to add you to its group`
          : `cannot read the group key file ${keyFile} (${code})`,
        { cause: error },
      );
    }
    const key = text.replace(/\r?\n$/, '');
    return key ? Secret.fromString(key) : undefined;
  }
}

async function readManaged(file: string, problems: ProfileProblem[]): Promise<Profile> {
  const bytes = await readFile(file);
  if (!/\.pcf$/i.test(file)) return parseProfileJson(bytes.toString('utf8'), file);
  // imported as it was when the admin last wrote it, so the note stays the same every read
  const imported = importPcf(bytes, file, (await stat(file)).mtime);
  if (imported.secrets.groupPsk || imported.secrets.xauthPassword)
    problems.push({
      file,
      message: `${file}: the secrets in it are not used (every user can read this file): put the group key in ${ManagedProfiles.keyFileOf(file)}, mode 0640 root:roadwarrior`,
    });
  return imported.profile;
}

export function problemMessage(error: unknown, file: string): string {
  if (error instanceof ProfileFileError) return error.lines().join('; ');
  return `${file}: ${(error as Error).message}`;
}
