// Whether a passphrase opens the profile's client key (a PEM key or a PKCS#12 file), judged
// before the engine is given it: the desktop asks again at once after a wrong one, and saves
// only one that opened the key.
import { readFile } from 'node:fs/promises';
import { CertificateProblem, readClientKey } from '../../engine/index.js';
import type { Secret } from '../../shared/secret.js';

/** 'unknown': the file cannot be read or used here for another cause than the passphrase; the
 * engine names that cause when it reads it. */
export type KeyCheck = 'opens' | 'wrong' | 'unknown';

export async function checkKeyPassphrase(file: string, passphrase: Secret): Promise<KeyCheck> {
  const bytes = await readFile(file).catch(() => undefined);
  if (!bytes) return 'unknown';
  try {
    readClientKey({ file, bytes }, passphrase.reveal());
    return 'opens';
  } catch (error) {
    return error instanceof CertificateProblem && error.code !== 'wrong-passphrase'
      ? 'unknown'
      : 'wrong';
  }
}
