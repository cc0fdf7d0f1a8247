// Builds the connection profile from --profile (a name among the user's and the managed
// profiles, or a JSON file) and the command-line flags, which win unless the profile locks
// that field. Errors name the file and the field.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../engine/api.js';
import { type Profile, type ProfileInput, ProfileSchema } from '../shared/profile.js';

export function profileDirectory(): string {
  const base = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  return join(base, 'roadwarrior', 'profiles');
}

async function loadProfile(reference: string): Promise<{ profile: Profile; source: string }> {
  // loaded on demand: a connect without --profile parses none of the profile code
  if (reference.includes('/') || reference.endsWith('.json')) {
    const { readFile } = await import('node:fs/promises');
    const { parseProfileJson } = await import('../profiles/json.js');
    let text: string;
    try {
      text = await readFile(reference, 'utf8');
    } catch (error) {
      throw new EngineError(
        'config-invalid',
        `cannot read profile ${reference} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
    }
    try {
      return { profile: parseProfileJson(text, reference), source: reference };
    } catch (error) {
      throw new EngineError('config-invalid', (error as Error).message);
    }
  }
  const { ProfileStore } = await import('../main/service/profile-store.js');
  const { ManagedProfiles, managedProfileDirectory } = await import('../profiles/managed.js');
  const store = new ProfileStore(
    profileDirectory(),
    new ManagedProfiles(managedProfileDirectory()),
  );
  try {
    const found = await store.find(reference);
    return { profile: found.profile, source: found.file };
  } catch (error) {
    throw new EngineError('config-invalid', (error as Error).message);
  }
}

export async function resolveProfile(
  reference: string | undefined,
  overrides: Partial<ProfileInput>,
): Promise<Profile> {
  const base = reference ? await loadProfile(reference) : undefined;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  for (const [field, value] of Object.entries(defined)) {
    const locked = base?.profile.locked.includes(field as Profile['locked'][number]);
    if (locked && JSON.stringify(value) !== JSON.stringify(base?.profile[field as keyof Profile]))
      throw new EngineError(
        'config-invalid',
        `${base?.source}: ${field} is locked in profile "${base?.profile.name}": --${field} cannot change it`,
      );
  }
  const merged = { name: defined.gateway ?? 'command-line', ...base?.profile, ...defined };
  const parsed = ProfileSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'profile';
    throw new EngineError(
      'config-invalid',
      `${base?.source ?? 'the command line'}: ${field}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
