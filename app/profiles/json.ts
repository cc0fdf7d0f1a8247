// Roadwarrior's own profile files: JSON, any version migrated to the current one, validated
// strictly (an unknown key is an error naming it).
import { basename } from 'node:path';
import { type Profile, ProfileFileSchema, migrateProfile } from '../shared/profile.js';
import { type ImportedProfile, ProfileFileError, issueProblems } from './import-result.js';
import { decodeProfileText } from './text.js';

/** A JSON profile file's text as a profile, or a ProfileFileError naming the file and field. */
export function parseProfileJson(text: string, file: string): Profile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ProfileFileError(file, [
      { field: 'JSON', message: `not valid JSON (${(error as Error).message})` },
    ]);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new ProfileFileError(file, [{ field: 'profile', message: 'expected a JSON object' }]);
  const parsed = ProfileFileSchema.safeParse(migrateProfile(document));
  if (!parsed.success) throw new ProfileFileError(file, issueProblems(parsed.error));
  return parsed.data;
}

/** Importing a JSON profile keeps its importedFrom note, or records this import. */
export function importJson(bytes: Uint8Array, file: string, now = new Date()): ImportedProfile {
  const profile = parseProfileJson(decodeProfileText(bytes), file);
  profile.importedFrom ??= { format: 'json', file: basename(file), at: now.toISOString() };
  return { profile, secrets: {}, notes: [] };
}

/** The profile as a JSON file: secrets are never part of it. */
export function exportJson(profile: Profile): string {
  return `${JSON.stringify(profile, null, 2)}\n`;
}
