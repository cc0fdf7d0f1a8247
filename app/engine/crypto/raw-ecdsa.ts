// ECDSA over a digest already computed (IKEv1's HASH_I / HASH_R, RFC 4754), by the engine's own
// addon (native/raw_ecdsa.cc, OpenSSL EVP): node:crypto's sign and verify always hash their input
// again, which no IKEv1 peer does. Signatures are r || s, each the curve order's length
// (RFC 4754 7).
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CertificateProblem } from './x509.js';

interface RawEcdsaAddon {
  signDigest(pkcs8Der: Buffer, digest: Buffer): Buffer;
  verifyDigest(spkiDer: Buffer, digest: Buffer, signature: Buffer): boolean;
}

export const RAW_ECDSA_BUILD_COMMAND = 'npx node-gyp rebuild --directory app/engine/crypto/native';

// resolved when loading, not at import: the CLI's startup snapshot learns its location only then
const addonPath = () =>
  fileURLToPath(new URL('./native/build/Release/raw_ecdsa.node', import.meta.url));

let loaded: RawEcdsaAddon | undefined;

/** The addon; a missing build is a certificate problem naming the command that builds it. */
export function loadRawEcdsa(): RawEcdsaAddon {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)(addonPath()) as RawEcdsaAddon;
    return loaded;
  } catch (error) {
    throw new CertificateProblem(
      'ecdsa-unavailable',
      `ECDSA signatures need Roadwarrior's raw-ECDSA addon, which cannot be loaded (${(error as Error).message.split('\n')[0]}): build it with npm ci or ${RAW_ECDSA_BUILD_COMMAND}`,
    );
  }
}

/** r || s over `digest` with an EC private key. */
export function ecdsaSignDigest(key: KeyObject, digest: Buffer): Buffer {
  const addon = loadRawEcdsa();
  const der = key.export({ type: 'pkcs8', format: 'der' });
  try {
    return addon.signDigest(der, digest);
  } finally {
    der.fill(0);
  }
}

/** Whether `signature` (r || s) signs `digest` for an EC public key; false for anything
 * malformed. */
export function ecdsaDigestVerifies(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const addon = loadRawEcdsa();
  return addon.verifyDigest(key.export({ type: 'spki', format: 'der' }), digest, signature);
}
