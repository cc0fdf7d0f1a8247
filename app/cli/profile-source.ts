// Builds the connection profile from --profile (a name in the profile directory, or a JSON
// file) and the command-line flags, which win. Errors name the file and the field.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Profile, type ProfileInput, ProfileSchema } from '../shared/profile.js';
import { EngineError } from '../engine/api.js';

export function profileDirectory(): string {
  const base = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  return join(base, 'roadwarrior', 'profiles');
}

async function loadProfileFile(
  reference: string,
): Promise<{ input: Record<string, unknown>; source: string }> {
  const path =
    reference.includes('/') || reference.endsWith('.json')
      ? reference
      : join(profileDirectory(), `${reference}.json`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EngineError(
      'config-invalid',
      `cannot read profile ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  try {
    const input: unknown = JSON.parse(text);
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new Error('not a JSON object');
    return { input: input as Record<string, unknown>, source: path };
  } catch (error) {
    throw new EngineError(
      'config-invalid',
      `profile ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
}

export async function resolveProfile(
  reference: string | undefined,
  overrides: Partial<ProfileInput>,
): Promise<Profile> {
  const base = reference
    ? await loadProfileFile(reference)
    : { input: {}, source: 'the command line' };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged = { name: defined.gateway ?? 'command-line', ...base.input, ...defined };
  const parsed = ProfileSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'profile';
    throw new EngineError(
      'config-invalid',
      `${base.source}: ${field}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
