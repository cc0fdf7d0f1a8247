// Whether a passphrase opens the profile's client key, judged before the engine is given it:
// the desktop asks again at once after a wrong one, and saves only one that opened the key.
import { readFile } from 'node:fs/promises';
import { readPrivateKey } from '../../engine/index.js';
import type { Secret } from '../../shared/secret.js';

/** 'unknown': the file cannot be read here; the engine names that cause when it reads it. */
export type KeyCheck = 'opens' | 'wrong' | 'unknown';

export async function checkKeyPassphrase(file: string, passphrase: Secret): Promise<KeyCheck> {
  const pem = await readFile(file).catch(() => undefined);
  if (!pem) return 'unknown';
  try {
    readPrivateKey(pem, file, passphrase.reveal());
    return 'opens';
  } catch {
    return 'wrong';
  }
}
