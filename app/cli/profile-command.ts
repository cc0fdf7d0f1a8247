// `roadwarrior profile ...`: import Cisco .pcf, Shrew Soft .vpn and JSON profiles (secrets
// straight into the keychain), list, show, export, remove, validate files for admins'
// pipelines, and print the profile file's JSON Schema. The same store as the desktop app.
import { readFile, writeFile } from 'node:fs/promises';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { ProfileStore, fileNameFor } from '../main/service/profile-store.js';
import { ServiceError } from '../main/service/service-error.js';
import { importIntoStore } from '../main/service/profile-import.js';
import { importProfileFile } from '../profiles/import-file.js';
import { type FieldProblem, ProfileFileError } from '../profiles/import-result.js';
import { exportJson } from '../profiles/json.js';
import { ManagedProfiles, managedProfileDirectory } from '../profiles/managed.js';
import { exportPcf } from '../profiles/pcf.js';
import { SECRET_LABELS, secretKinds } from '../shared/ui/ipc-schemas.js';
import { type Profile, clientKeyFile, profileJsonSchema } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';
import { profileDirectory } from './profile-source.js';
import { openKeychain } from './saved-secrets.js';
import { CommandFailure, type Subcommand, UsageError } from './subcommand.js';

export const PROFILE_USAGE = `usage: roadwarrior profile import FILE [--name NAME]
         a Cisco .pcf, Shrew Soft .vpn or JSON profile; its secrets go to the keychain
       roadwarrior profile list
       roadwarrior profile show NAME              (locked fields marked [locked])
       roadwarrior profile export NAME --format json|pcf [--include-secrets] [--output FILE]
       roadwarrior profile remove NAME
       roadwarrior profile validate FILE...       (one line per problem; exit 1 if any)
       roadwarrior profile schema                 (the profile file's JSON Schema)`;

export const PROFILE_OPTIONS = {
  name: { type: 'string' },
  format: { type: 'string' },
  'include-secrets': { type: 'boolean', default: false },
  output: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export const PROFILE: Subcommand = { usage: PROFILE_USAGE, run: profileCommand };

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: PROFILE_OPTIONS, strict: true, allowPositionals: true });
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

export async function profileCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [action, ...args] = positionals;
  const store = openStore();
  try {
    switch (action) {
      case 'import':
        return await importCommand(store, one(args, 'FILE'), values);
      case 'list':
        none(args);
        return await listCommand(store);
      case 'show':
        return await showCommand(store, one(args, 'NAME'));
      case 'export':
        return await exportCommand(store, one(args, 'NAME'), values);
      case 'remove':
        return await removeCommand(store, one(args, 'NAME'));
      case 'validate':
        if (!args.length) throw new UsageError('validate needs at least one FILE');
        return await validateCommand(args);
      case 'schema':
        none(args);
        out(JSON.stringify(profileJsonSchema(), null, 2));
        return 0;
      default:
        throw new UsageError(action === undefined ? 'which action?' : `unknown action "${action}"`);
    }
  } catch (error) {
    if (error instanceof ServiceError) throw new CommandFailure(error.message);
    if (error instanceof ProfileFileError) throw new CommandFailure(error.lines().join('\n'));
    throw error;
  }
}

function openStore(): ProfileStore {
  return new ProfileStore(profileDirectory(), new ManagedProfiles(managedProfileDirectory()));
}

function one(args: string[], what: string): string {
  if (args.length !== 1) throw new UsageError(`expected one ${what}, got ${args.length}`);
  return args[0]!;
}

function none(args: string[]): void {
  if (args.length) throw new UsageError(`unexpected "${args[0]}"`);
}

async function importCommand(store: ProfileStore, file: string, values: Values): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CommandFailure(`cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  const report = await importIntoStore(store, () => openKeychain(), bytes, file, values.name).catch(
    (error: unknown) => {
      if (error instanceof ServiceError && error.code === 'conflict')
        throw new CommandFailure(`${error.message} (import it under another with --name NAME)`);
      throw error;
    },
  );
  out(`imported "${report.profile.name}" from ${file}`);
  for (const note of report.notes) err(`${file}: ${note.field}: ${note.message}`);
  for (const { kind, saved } of report.secrets)
    if (saved) out(`the ${SECRET_LABELS[kind]} was saved in the keychain`);
    else
      err(
        `the ${SECRET_LABELS[kind]} in ${file} was not saved: it will be asked for when connecting`,
      );
  return 0;
}

async function listCommand(store: ProfileStore): Promise<number> {
  const listing = await store.list();
  const managed = new Set(listing.managed);
  for (const profile of listing.profiles) {
    const marks = [
      managed.has(profile.name) ? 'managed' : '',
      profile.locked.length ? `${profile.locked.length} locked` : '',
    ].filter(Boolean);
    out(
      `${profile.name}\t${profile.gateway}\t${profile.group}${marks.length ? `\t(${marks.join(', ')})` : ''}`,
    );
  }
  for (const problem of listing.problems) err(problem.message);
  return 0;
}

async function showCommand(store: ProfileStore, name: string): Promise<number> {
  const found = await store.find(name);
  const { profile } = found;
  if (found.managed) out(`# managed by your administrator: ${found.file} (read-only)`);
  if (profile.importedFrom)
    out(
      `# imported from ${profile.importedFrom.file} (${profile.importedFrom.format}) at ${profile.importedFrom.at}`,
    );
  for (const [field, value] of Object.entries(profile)) {
    if (field === 'locked' || field === 'importedFrom') continue;
    const locked = profile.locked.includes(field as Profile['locked'][number]) ? '  [locked]' : '';
    out(`${field}: ${typeof value === 'string' ? value : JSON.stringify(value)}${locked}`);
  }
  // where each secret would come from when connecting; never the secret
  const keychain = await openKeychain();
  for (const kind of secretKinds) {
    // only a certificate profile has a client key that may be encrypted
    if (kind === 'key-passphrase' && !clientKeyFile(profile)) continue;
    const keyFile =
      kind === 'group-psk' && found.managed
        ? await ManagedProfiles.readGroupKey(found.file).catch(() => undefined)
        : undefined;
    const { secret } = keyFile ? { secret: keyFile } : await keychain.getFor(profile, kind);
    out(
      `# ${SECRET_LABELS[kind]}: ${keyFile ? "the administrator's key file" : secret ? 'saved in the keychain' : 'asked when connecting'}`,
    );
    secret?.wipe();
  }
  return 0;
}

async function exportCommand(store: ProfileStore, name: string, values: Values): Promise<number> {
  const format = values.format;
  if (format !== 'json' && format !== 'pcf') throw new UsageError('--format must be json or pcf');
  if (format === 'json' && values['include-secrets'])
    throw new UsageError(
      '--include-secrets needs --format pcf: a JSON profile never holds secrets',
    );
  const profile = await store.get(name);
  let bytes: Buffer;
  let warnings: FieldProblem[] = [];
  if (format === 'json') bytes = Buffer.from(exportJson(profile));
  else {
    const groupPsk = values['include-secrets'] ? await savedGroupKey(profile) : undefined;
    ({ bytes, warnings } = exportPcf(profile, groupPsk ? { groupPsk } : {}));
    groupPsk?.wipe();
  }
  for (const warning of warnings) err(`${name}: ${warning.field}: ${warning.message}`);
  if (values.output) await writeFile(values.output, bytes, { mode: 0o600 });
  else process.stdout.write(bytes);
  return 0;
}

async function savedGroupKey(profile: Profile): Promise<Secret> {
  const keychain = await openKeychain();
  const { secret } = await keychain.getFor(profile, 'group-psk');
  if (!secret)
    throw new CommandFailure(
      `no group key is saved for "${profile.name}"${keychain.status.available ? '' : ' (no keychain)'}: nothing to include`,
    );
  return secret;
}

async function removeCommand(store: ProfileStore, name: string): Promise<number> {
  if (!(await store.delete(name))) throw new CommandFailure(`no profile named "${name}"`);
  const keychain = await openKeychain();
  for (const kind of secretKinds) await keychain.delete(name, kind);
  out(`removed "${name}" (the last version is kept as ${fileNameFor(name)}.bak)`);
  return 0;
}

/** For admins' pipelines: one line per problem on stdout, exit 1 if any file cannot be used.
 * Settings that would not be carried over are listed too (they do not fail the file). */
async function validateCommand(files: string[]): Promise<number> {
  let failed = 0;
  for (const file of files) {
    try {
      const imported = await importProfileFile(file);
      out(`${file}: ok ("${imported.profile.name}")`);
      for (const note of imported.notes) out(`${file}: ${note.field}: ${note.message}`);
    } catch (error) {
      if (!(error instanceof ProfileFileError)) throw error;
      for (const line of error.lines()) out(line);
      failed++;
    }
  }
  return failed ? 1 : 0;
}
