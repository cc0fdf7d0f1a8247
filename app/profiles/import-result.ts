// What an importer hands back: a validated profile, the secrets it found (for the keychain,
// never for a file) and everything it could not carry over. A file that cannot become a
// profile is a ProfileFileError naming the file, the field and what was expected.
import type { z } from 'zod';
import { type Profile, ProfileSchema } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';

export interface FieldProblem {
  /** the field as the file names it ("Host", "phase1-dhgroup", "mtu", "line 7") */
  field: string;
  message: string;
}

export interface ImportedSecrets {
  groupPsk?: Secret;
  xauthPassword?: Secret;
}

export interface ImportedProfile {
  profile: Profile;
  secrets: ImportedSecrets;
  /** what was not carried over, or carried over with a change: one line per field */
  notes: FieldProblem[];
}

export class ProfileFileError extends Error {
  override readonly name = 'ProfileFileError';

  constructor(
    readonly file: string,
    readonly problems: FieldProblem[],
  ) {
    const first = problems[0] ?? { field: 'profile', message: 'invalid' };
    super(`${file}: ${first.field}: ${first.message}`);
  }

  /** one line per problem: "FILE: FIELD: what was expected" */
  lines(): string[] {
    return this.problems.map((p) => `${this.file}: ${p.field}: ${p.message}`);
  }
}

/** Validates a profile an importer built; zod's issues are named by the file's own field names
 * (`sourceField` maps a profile field to the key it came from). Nothing half-loaded. */
export function validateImported(
  file: string,
  input: Record<string, unknown>,
  /** what the importer already found wrong: reported with the schema's findings, all at once */
  problems: FieldProblem[],
  sourceField: (profileField: string) => string = (f) => f,
): Profile {
  const parsed = ProfileSchema.safeParse(input);
  const schemaProblems = parsed.success
    ? []
    : issueProblems(parsed.error, sourceField).filter(
        (p) => !problems.some((q) => q.field === p.field),
      );
  const all = [...problems, ...schemaProblems];
  if (all.length || !parsed.success) throw new ProfileFileError(file, all);
  return parsed.data;
}

export function issueProblems(
  error: z.ZodError,
  sourceField: (profileField: string) => string = (f) => f,
): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        field: key,
        message: 'unknown field: expected one of the fields of `roadwarrior profile schema`',
      }));
    const path = issue.path.map(String);
    const top = path[0];
    const field = top === undefined ? 'profile' : [sourceField(top), ...path.slice(1)].join('.');
    return { field, message: issue.message };
  });
}
