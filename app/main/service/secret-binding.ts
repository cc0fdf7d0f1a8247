// A saved secret carries the gateway and group it was saved for, so that a profile edited to
// name another gateway (or group) asks again instead of sending the old secret to a new
// gateway. The binding travels inside the keychain entry: one entry per secret, as before,
// and a profile rename moves it unchanged.
import { Secret } from '../../shared/secret.js';

export interface SecretBinding {
  gateway: string;
  group: string;
}

const MAGIC = new TextEncoder().encode('roadwarrior-bound-v1:');
const NEWLINE = 0x0a;

/** Host names compare without case; the group name is what the gateway compares, exactly. */
export function sameBinding(a: SecretBinding, b: SecretBinding): boolean {
  return a.gateway.trim().toLowerCase() === b.gateway.trim().toLowerCase() && a.group === b.group;
}

/** The stored form: magic, the binding as one JSON line, then the secret's bytes. */
export function bindSecret(binding: SecretBinding, secret: Secret): Secret {
  const header = new TextEncoder().encode(
    `${JSON.stringify({ gateway: binding.gateway.trim(), group: binding.group })}\n`,
  );
  const bytes = new Uint8Array(MAGIC.length + header.length + secret.length);
  bytes.set(MAGIC, 0);
  bytes.set(header, MAGIC.length);
  bytes.set(secret.reveal(), MAGIC.length + header.length);
  const bound = Secret.fromBytes(bytes);
  bytes.fill(0);
  return bound;
}

/** The secret and its binding; an entry saved before bindings existed has none. */
export function unbindSecret(stored: Secret): { secret: Secret; binding?: SecretBinding } {
  const bytes = stored.reveal();
  const magic = bytes.length > MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
  const end = magic ? bytes.indexOf(NEWLINE, MAGIC.length) : -1;
  if (end < 0) return { secret: stored };
  try {
    const header: unknown = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length, end)));
    if (!isBinding(header)) return { secret: stored };
    return { secret: Secret.fromBytes(bytes.subarray(end + 1)), binding: header };
  } catch {
    return { secret: stored };
  }
}

function isBinding(value: unknown): value is SecretBinding {
  const v = value as Partial<SecretBinding> | null;
  return typeof v?.gateway === 'string' && typeof v.group === 'string';
}
