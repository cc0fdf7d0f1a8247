// The authenticator for a profile's phase 1 authentication method.
import type { Profile } from '../../shared/profile.js';
import type { Secret } from '../../shared/secret.js';
import { EngineError } from '../api.js';
import type { Phase1Authenticator } from './authenticator.js';
import { hybridAuthenticator } from './hybrid.js';
import { pskAuthenticator } from './psk.js';
import { signatureAuthenticator } from './signature.js';

export type { Phase1Authenticator } from './authenticator.js';

export interface AuthenticatorInput {
  profile: Profile;
  /** the group key, asked for by the caller when the method has one */
  groupPsk: Promise<Secret> | undefined;
  /** asks for the passphrase of an encrypted client key */
  keyPassphrase: (() => Promise<Secret>) | undefined;
  /** the time certificates must be valid at */
  now?: () => Date;
}

export async function createAuthenticator(input: AuthenticatorInput): Promise<Phase1Authenticator> {
  const { profile } = input;
  const now = input.now ?? (() => new Date());
  switch (profile.authMethod) {
    case 'xauth-rsa':
    case 'certificate':
      return signatureAuthenticator(profile, input.keyPassphrase, now);
    case 'hybrid':
      return hybridAuthenticator(profile, now);
    default:
      if (!input.groupPsk)
        throw new EngineError(
          'internal',
          `${profile.authMethod} authentication without a group key`,
        );
      return pskAuthenticator(profile, await input.groupPsk);
  }
}
