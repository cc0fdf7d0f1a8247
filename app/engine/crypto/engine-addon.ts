// Loading the engine's own Node-API addons (native/: raw-digest ECDSA, PKCS#12, X.509 names),
// each built from native/binding.gyp on Node's own OpenSSL. A missing build is a certificate
// problem that names the command building it, never a stack trace.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CertificateProblem, type CertificateProblemCode } from './x509.js';

export const ENGINE_ADDON_BUILD_COMMAND =
  'npx node-gyp rebuild --directory app/engine/crypto/native';

const loaded = new Map<string, unknown>();

/** The addon `name` (native/build/Release/<name>.node), loaded once. Its path is resolved when
 * loading, not at import: the CLI's startup snapshot learns its location only then. `purpose`
 * says what needs it ("ECDSA signatures need"), for the message when it cannot load. */
export function loadEngineAddon<T>(
  name: string,
  purpose: string,
  unavailable: CertificateProblemCode,
): T {
  const known = loaded.get(name);
  if (known) return known as T;
  try {
    const path = fileURLToPath(new URL(`./native/build/Release/${name}.node`, import.meta.url));
    const addon = createRequire(import.meta.url)(path) as T;
    loaded.set(name, addon);
    return addon;
  } catch (error) {
    throw new CertificateProblem(
      unavailable,
      `${purpose} Roadwarrior's ${name} addon, which cannot be loaded (${(error as Error).message.split('\n')[0]}): build it with npm ci or ${ENGINE_ADDON_BUILD_COMMAND}`,
    );
  }
}
