// What certificate authentication reads from the profile's files, and how a certificate problem
// becomes an engine error (and so a diagnosis) rather than a stack trace.
import { readFileSync } from 'node:fs';
import type { ErrorCode } from '../../shared/events.js';
import { EngineError } from '../api.js';
import { CertificateProblem, type CertificateProblemCode } from '../crypto/x509.js';

const ERROR_OF_PROBLEM: Record<CertificateProblemCode, ErrorCode> = {
  unreadable: 'certificate-unusable',
  pkcs12: 'certificate-unusable',
  'passphrase-needed': 'certificate-unusable',
  'wrong-passphrase': 'certificate-unusable',
  'key-mismatch': 'certificate-unusable',
  untrusted: 'gateway-cert-untrusted',
  'wrong-usage': 'gateway-cert-untrusted',
  revoked: 'gateway-cert-revoked',
  'revocation-unknown': 'gateway-cert-revocation-unknown',
  expired: 'gateway-cert-expired',
  'not-yet-valid': 'gateway-cert-expired',
  'identity-mismatch': 'gateway-id-mismatch',
  'ecdsa-unavailable': 'certificate-unusable',
  'pkcs12-unavailable': 'certificate-unusable',
  'x509-name-unavailable': 'certificate-unusable',
};

function translated(error: unknown): unknown {
  return error instanceof CertificateProblem
    ? new EngineError(ERROR_OF_PROBLEM[error.code], error.message)
    : error;
}

/** Runs a certificate step; a CertificateProblem comes out as the EngineError it stands for. */
export function asEngineError<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw translated(error);
  }
}

export async function asEngineErrorAsync<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw translated(error);
  }
}

/** A file the profile names; a missing one is the profile's problem, named. */
export function readProfileFile(path: string | undefined, field: string, method: string): Buffer {
  if (!path)
    throw new EngineError(
      'config-invalid',
      `authentication ${method} needs the profile's ${field}`,
    );
  try {
    return readFileSync(path);
  } catch (error) {
    throw new EngineError(
      'certificate-unusable',
      `cannot read ${field} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
