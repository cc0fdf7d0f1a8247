// Profiles: the user's own as JSON files in a config directory, one per profile, and the
// admin's managed ones (read-only, app/profiles/managed.ts). Every read migrates and validates;
// secrets never go in (the schema has no field for them and strips unknown keys).
// Writes are atomic (temporary file, fsync, rename), keep the previous version as NAME.json.bak
// and run under a lock file, so the app and the CLI writing at once lose nothing. A file that
// is not JSON is moved aside (NAME.json.corrupt-TIME) and reported; one that is JSON but not a
// valid profile is reported by path and field and never overwritten.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ProfileFileError } from '../../profiles/import-result.js';
import { parseProfileJson } from '../../profiles/json.js';
import {
  type ManagedProfiles,
  type ProfileProblem,
  problemMessage,
} from '../../profiles/managed.js';
import { type Profile, type ProfileInput, ProfileSchema } from '../../shared/profile.js';
import { ServiceError } from './service-error.js';

export type { ProfileProblem };

export interface ProfileListing {
  profiles: Profile[];
  problems: ProfileProblem[];
  /** names of the profiles that are managed (read-only) */
  managed: string[];
}

export interface StoredProfile {
  file: string;
  profile: Profile;
  managed: boolean;
}

/** how long a writer waits for another one before saying so */
const LOCK_WAIT_MS = 10_000;

export class ProfileStore {
  constructor(
    readonly directory: string,
    readonly managed?: ManagedProfiles,
  ) {}

  async list(): Promise<ProfileListing> {
    const { stored, problems } = await this.readAll();
    return {
      profiles: stored.map((s) => s.profile),
      problems,
      managed: stored.filter((s) => s.managed).map((s) => s.profile.name),
    };
  }

  async get(name: string): Promise<Profile> {
    return (await this.find(name)).profile;
  }

  /** The profile with where it lives and whether it is managed. */
  async find(name: string): Promise<StoredProfile> {
    const { stored, problems } = await this.readAll();
    const found = stored.find((s) => s.profile.name === name);
    if (found) return found;
    const file = join(this.directory, fileNameFor(name));
    const broken = problems.find((p) => p.file === file);
    const managed = this.managed ? ` and none managed in ${this.managed.directory}` : '';
    throw new ServiceError(
      'not-found',
      broken ? broken.message : `no profile named "${name}" (no ${file}${managed})`,
    );
  }

  /** Creates a profile (no previousName) or updates the one called previousName, renaming it
   * if the name changed (the old file goes once the new one is safely written). A managed
   * profile cannot be changed or shadowed; a locked field cannot be changed. */
  async save(input: ProfileInput, previousName?: string): Promise<Profile> {
    const profile = parseProfile(input, 'the profile');
    return this.locked(async () => {
      const { stored, problems } = await this.readAll();
      const previous =
        previousName === undefined
          ? undefined
          : stored.find((s) => s.profile.name === previousName);
      if (previousName !== undefined && !previous)
        throw new ServiceError('not-found', `no profile named "${previousName}"`);
      if (previous?.managed)
        throw new ServiceError(
          'forbidden',
          `"${previousName}" is managed by your administrator (${previous.file}) and cannot be changed; duplicate it to make your own copy`,
        );
      if (previous) assertLockedUnchanged(previous.profile, profile);
      const existing = stored.find((s) => s.profile.name === profile.name);
      if (existing?.managed)
        throw new ServiceError(
          'conflict',
          `"${profile.name}" is the name of a profile managed by your administrator (${existing.file}); choose another name`,
        );
      if (existing && previousName !== profile.name)
        throw new ServiceError('conflict', `a profile named "${profile.name}" already exists`);
      const file = existing?.file ?? join(this.directory, fileNameFor(profile.name));
      const broken = problems.find((p) => p.file === file);
      if (broken)
        throw new ServiceError(
          'conflict',
          `${file} exists but cannot be read (${broken.message}); fix or move that file first so nothing is lost`,
        );
      await this.writeAtomically(file, profile);
      if (previous && previous.file !== file) await this.keepAsBackup(previous.file);
      return profile;
    });
  }

  /** Removes a user profile; its last version stays as NAME.json.bak. */
  async delete(name: string): Promise<boolean> {
    return this.locked(async () => {
      const { stored } = await this.readAll();
      const found = stored.find((s) => s.profile.name === name);
      if (!found) return false;
      if (found.managed)
        throw new ServiceError(
          'forbidden',
          `"${name}" is managed by your administrator (${found.file}) and cannot be removed`,
        );
      await this.keepAsBackup(found.file);
      return true;
    });
  }

  /** Copies a profile under a new name ("Office (copy)", "Office (copy 2)", ...); a copy of a
   * managed profile is the user's own, with the same fields locked. */
  async duplicate(name: string, newName?: string): Promise<Profile> {
    return this.locked(async () => {
      const { stored } = await this.readAll();
      const source = stored.find((s) => s.profile.name === name);
      if (!source) throw new ServiceError('not-found', `no profile named "${name}"`);
      const taken = new Set(stored.map((s) => s.profile.name));
      const copy = parseProfile(
        { ...source.profile, name: newName ?? copyName(name, taken) },
        'the copy',
      );
      if (taken.has(copy.name))
        throw new ServiceError('conflict', `a profile named "${copy.name}" already exists`);
      await this.writeAtomically(join(this.directory, fileNameFor(copy.name)), copy);
      return copy;
    });
  }

  private async readAll(): Promise<{ stored: StoredProfile[]; problems: ProfileProblem[] }> {
    const managed = this.managed
      ? await this.managed.list()
      : { entries: [], problems: [] as ProfileProblem[] };
    const stored: StoredProfile[] = managed.entries.map((e) => ({ ...e, managed: true }));
    const problems = [...managed.problems];
    let names: string[];
    try {
      names = (await readdir(this.directory)).filter((n) => n.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { stored, problems };
      throw new ServiceError(
        'internal',
        `cannot read the profile directory ${this.directory}: ${(error as Error).message}`,
      );
    }
    for (const name of names) {
      const file = join(this.directory, name);
      try {
        const profile = parseProfileJson(await readFile(file, 'utf8'), file);
        const managedTwin = stored.find((s) => s.managed && s.profile.name === profile.name);
        if (managedTwin)
          problems.push({
            file,
            message: `${file}: not used: a profile managed by your administrator has the name "${profile.name}" (${managedTwin.file}); rename yours`,
          });
        else stored.push({ file, profile, managed: false });
      } catch (error) {
        problems.push({ file, message: await this.reportBroken(file, error) });
      }
    }
    return { stored, problems };
  }

  /** A file that is not JSON at all is moved aside so a save can go ahead; the message says
   * where it went. Other problems leave the file in place, untouched. */
  private async reportBroken(file: string, error: unknown): Promise<string> {
    const message = problemMessage(error, file);
    if (!(error instanceof ProfileFileError) || error.problems[0]?.field !== 'JSON') return message;
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(file, aside);
      return `${message}; moved aside to ${aside}`;
    } catch (moveError) {
      // another reader moved it first: it is safe either way
      if ((moveError as NodeJS.ErrnoException).code === 'ENOENT') return message;
      return `${message}; could not move it aside (${(moveError as Error).message})`;
    }
  }

  private async writeAtomically(file: string, profile: Profile): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const temporary = join(this.directory, `.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(profile, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.copyToBackup(file);
    await rename(temporary, file);
    await syncDirectory(this.directory);
  }

  /** NAME.json.bak: the version before the last change, replaced atomically. */
  private async copyToBackup(file: string): Promise<void> {
    const temporary = join(this.directory, `.${randomBytes(6).toString('hex')}.bak.tmp`);
    try {
      await copyFile(file, temporary);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rename(temporary, `${file}.bak`);
  }

  private async keepAsBackup(file: string): Promise<void> {
    await rename(file, `${file}.bak`).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await syncDirectory(this.directory);
  }

  /** Runs a read-modify-write under DIR/.lock (O_EXCL, holding the writer's pid; a lock left
   * by a process that is gone is taken over). */
  private async locked<T>(operation: () => Promise<T>): Promise<T> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const lockFile = join(this.directory, '.lock');
    const started = Date.now();
    for (;;) {
      try {
        const handle = await open(lockFile, 'wx', 0o600);
        await handle.writeFile(String(process.pid));
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (await lockIsStale(lockFile)) {
          await rm(lockFile, { force: true });
          continue;
        }
        if (Date.now() - started > LOCK_WAIT_MS)
          throw new ServiceError(
            'busy',
            `another Roadwarrior process is changing profiles (${lockFile}); try again`,
          );
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      }
    }
    try {
      return await operation();
    } finally {
      await rm(lockFile, { force: true });
    }
  }
}

async function lockIsStale(lockFile: string): Promise<boolean> {
  let text: string;
  let age: number;
  try {
    text = await readFile(lockFile, 'utf8');
    age = Date.now() - (await stat(lockFile)).mtimeMs;
  } catch {
    return false; // gone already: the next attempt takes it
  }
  const pid = Number(text);
  // written but not yet filled in: only stale once no writer could still be filling it
  if (!Number.isInteger(pid) || pid <= 0) return age > 5_000;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A locked field (and the list of locks itself) keeps its value in every update. */
function assertLockedUnchanged(previous: Profile, next: Profile): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(previous.locked, next.locked))
    throw new ServiceError('forbidden', 'the locked fields of this profile cannot be changed');
  for (const field of previous.locked)
    if (!same(previous[field], next[field]))
      throw new ServiceError(
        'forbidden',
        `${field} is locked in this profile and cannot be changed`,
        [{ path: field, message: 'locked' }],
      );
}

/** Errors name where the profile came from and the field: "the profile: mtu: Too small". */
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
