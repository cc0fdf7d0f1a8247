// Whatever ends a connection becomes an EngineError with a stable code the UI can explain.
import type { ErrorCode } from '../shared/events.js';
import { EngineError } from './api.js';
import { CryptoError } from './crypto/index.js';
import { UnauthenticatedError } from './unauthenticated.js';
import { DecodeError } from './wire/codec.js';

/** Codes from the engine's ports that mean something to the user on their own: the privileged
 * helper is not running, or went away (app/helper/client.ts); the keychain the credential
 * provider reads cannot be used (app/main/service/keychain.ts). Other data-plane failures are
 * 'dataplane-failed'. */
const PORT_ERROR_CODES = [
  'helper-unavailable',
  'helper-lost',
  'keychain-unavailable',
] as const satisfies readonly ErrorCode[];

export function portErrorCode(code: unknown): ErrorCode | undefined {
  return PORT_ERROR_CODES.find((known) => known === code);
}

export function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const portCode = error instanceof Error && 'code' in error && portErrorCode(error.code);
  if (portCode) return new EngineError(portCode, error.message);
  if (error instanceof DecodeError)
    return new EngineError(
      'malformed-response',
      `the gateway sent a malformed message: ${error.message}`,
    );
  if (error instanceof UnauthenticatedError)
    return new EngineError('malformed-response', error.message);
  // a key exchange value of the wrong length or outside the group (RFC 2409 5, RFC 5903)
  if (error instanceof CryptoError)
    return new EngineError(
      'malformed-response',
      `the gateway sent an unusable value: ${error.message}`,
    );
  return new EngineError(
    'internal',
    `internal error: ${error instanceof Error ? error.message : String(error)}`,
  );
}
