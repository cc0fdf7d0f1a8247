// One entry point for every profile format, chosen by the file's extension.
import { readFile } from 'node:fs/promises';
import { type ImportedProfile, ProfileFileError } from './import-result.js';
import { importJson } from './json.js';
import { importPcf } from './pcf.js';
import { importShrew } from './shrew.js';

export const PROFILE_FORMATS = {
  '.pcf': importPcf,
  '.vpn': importShrew,
  '.json': importJson,
} as const;

/** Profile files larger than this are refused before parsing: no admin profile is near it. */
export const MAX_PROFILE_BYTES = 1024 * 1024;

export function importProfileBytes(
  bytes: Uint8Array,
  file: string,
  now = new Date(),
): ImportedProfile {
  const extension = /\.[^./\\]+$/.exec(file)?.[0]?.toLowerCase() ?? '';
  const importer = PROFILE_FORMATS[extension as keyof typeof PROFILE_FORMATS];
  if (!importer)
    throw new ProfileFileError(file, [
      {
        field: 'file name',
        message: `expected a .pcf (Cisco), .vpn (Shrew Soft) or .json profile`,
      },
    ]);
  if (bytes.length > MAX_PROFILE_BYTES)
    throw new ProfileFileError(file, [
      { field: 'size', message: `${bytes.length} bytes: expected at most ${MAX_PROFILE_BYTES}` },
    ]);
  return importer(bytes, file, now);
}

export async function importProfileFile(file: string, now = new Date()): Promise<ImportedProfile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ProfileFileError(file, [
      {
        field: 'file',
        message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ]);
  }
  return importProfileBytes(bytes, file, now);
}
