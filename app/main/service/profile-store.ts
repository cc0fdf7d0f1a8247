// Profiles as JSON files in a config directory, one per profile, validated with ProfileSchema on
// every read and write. Secrets never go in (the schema has no field for them and strips unknown
// keys). A file that cannot be read is reported with its path and field, and never overwritten.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Profile, type ProfileInput, ProfileSchema } from '../../shared/profile.js';
import { ServiceError } from './service-error.js';

export interface ProfileProblem {
  file: string;
  message: string;
}

export interface ProfileListing {
  profiles: Profile[];
  problems: ProfileProblem[];
}

interface StoredProfile {
  file: string;
  profile: Profile;
}

export class ProfileStore {
  constructor(readonly directory: string) {}

  async list(): Promise<ProfileListing> {
    const { stored, problems } = await this.readAll();
    return { profiles: stored.map((s) => s.profile), problems };
  }

  async get(name: string): Promise<Profile> {
    return (await this.find(name)).profile;
  }

  /** Creates a profile (no previousName) or updates the one called previousName, renaming it
   * if the name changed (the old file goes once the new one is safely written). */
  async save(input: ProfileInput, previousName?: string): Promise<Profile> {
    const profile = parseProfile(input, 'the profile');
    const { stored, problems } = await this.readAll();
    const previous =
      previousName === undefined ? undefined : stored.find((s) => s.profile.name === previousName);
    if (previousName !== undefined && !previous) {
      throw new ServiceError('not-found', `no profile named "${previousName}"`);
    }
    const existing = stored.find((s) => s.profile.name === profile.name);
    if (existing && previousName !== profile.name) {
      throw new ServiceError('conflict', `a profile named "${profile.name}" already exists`);
    }
    const file = existing?.file ?? join(this.directory, fileNameFor(profile.name));
    const broken = problems.find((p) => p.file === file);
    if (broken) {
      throw new ServiceError(
        'conflict',
        `${file} exists but cannot be read (${broken.message}); fix or move that file first so nothing is lost`,
      );
    }
    await this.writeAtomically(file, profile);
    if (previous && previous.file !== file) await rm(previous.file, { force: true });
    return profile;
  }

  async delete(name: string): Promise<boolean> {
    const { stored } = await this.readAll();
    const found = stored.find((s) => s.profile.name === name);
    if (!found) return false;
    await rm(found.file, { force: true });
    return true;
  }

  /** Copies a profile under a new name ("Office (copy)", "Office (copy 2)", ...). */
  async duplicate(name: string, newName?: string): Promise<Profile> {
    const { stored } = await this.readAll();
    const source = stored.find((s) => s.profile.name === name);
    if (!source) throw new ServiceError('not-found', `no profile named "${name}"`);
    const taken = new Set(stored.map((s) => s.profile.name));
    return this.save({ ...source.profile, name: newName ?? copyName(name, taken) });
  }

  private async find(name: string): Promise<StoredProfile> {
    const { stored, problems } = await this.readAll();
    const found = stored.find((s) => s.profile.name === name);
    if (found) return found;
    const broken = problems.find((p) => p.file.endsWith(fileNameFor(name)));
    throw new ServiceError('not-found', broken ? broken.message : `no profile named "${name}"`);
  }

  private async readAll(): Promise<{ stored: StoredProfile[]; problems: ProfileProblem[] }> {
    let names: string[];
    try {
      names = (await readdir(this.directory)).filter((n) => n.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { stored: [], problems: [] };
      throw new ServiceError(
        'internal',
        `cannot read the profile directory ${this.directory}: ${(error as Error).message}`,
      );
    }
    const stored: StoredProfile[] = [];
    const problems: ProfileProblem[] = [];
    for (const name of names) {
      const file = join(this.directory, name);
      try {
        stored.push({ file, profile: parseProfile(await readJson(file), file) });
      } catch (error) {
        problems.push({ file, message: (error as Error).message });
      }
    }
    return { stored, problems };
  }

  private async writeAtomically(file: string, profile: Profile): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const temporary = join(this.directory, `.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(temporary, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ServiceError(
      'invalid-input',
      `${file}: not valid JSON (${(error as Error).message})`,
    );
  }
}

/** Errors name where the profile came from and the field: "/x/Office.json: mtu: Too small". */
function parseProfile(input: unknown, source: string): Profile {
  const parsed = ProfileSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || 'profile',
    message: i.message,
  }));
  const first = issues[0] ?? { path: 'profile', message: 'invalid' };
  throw new ServiceError('invalid-input', `${source}: ${first.path}: ${first.message}`, issues);
}

/** The profile name is the file name where that is safe (so `roadwarrior connect --profile
 * NAME` finds it); anything else is percent-encoded. */
export function fileNameFor(name: string): string {
  const safe = name.replace(/^\.|[^\p{L}\p{N} ._()+,@=-]/gu, (c) =>
    c === '.' ? '%2E' : encodeURIComponent(c),
  );
  return `${safe}.json`;
}

function copyName(name: string, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const suffix = ` (copy${n > 1 ? ` ${n}` : ''})`;
    const candidate = `${name.slice(0, 64 - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
