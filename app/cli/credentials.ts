// The CLI's credential provider: secret files first, a no-echo TTY prompt otherwise. A second
// XAuth round (OTP, next PIN) always asks, since a stored password cannot answer it.
import type { CredentialProvider, XauthRequest, XauthResponse } from '../engine/api.js';
import type { SecretKind } from '../shared/ui/ipc-schemas.js';
import type { Profile } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';
import { printable } from './printable.js';
import { promptHidden, promptLine, secretFromFile } from './secrets.js';

export interface CliCredentialSources {
  groupPskFile?: string;
  passwordFile?: string;
  username?: string;
  /** a named profile: its secrets from the keychain (or a managed key file) when no file
   * is given, before asking on the terminal */
  savedFor?: Profile;
}

export interface CliCredentials extends CredentialProvider {
  /** The connection is over: zero every secret read or typed for it. */
  endSession(): void;
}

export function cliCredentials(sources: CliCredentialSources): CliCredentials {
  const handedOut: Secret[] = [];
  const track = async (secret: Promise<Secret>): Promise<Secret> => {
    const value = await secret;
    handedOut.push(value);
    return value;
  };
  return {
    endSession: () => {
      for (const secret of handedOut.splice(0)) secret.wipe();
    },
    groupPsk: () =>
      track(
        sources.groupPskFile
          ? secretFromFile(sources.groupPskFile, 'group PSK')
          : savedOrAsked(sources.savedFor, 'group-psk', 'Group pre-shared key: '),
      ),
    xauth: async (request: XauthRequest): Promise<XauthResponse> => {
      if (request.message) process.stderr.write(`Gateway says: ${printable(request.message)}\n`);
      const response: XauthResponse = {};
      const firstRound = request.round === 1;
      for (const field of request.fields) {
        if (field === 'username') {
          response.username =
            request.username ?? sources.username ?? (await promptLine('Username: '));
        } else if (field === 'password') {
          response.password = await track(passwordFor(firstRound, sources));
        } else if (field === 'domain') {
          response.domain = await promptLine('Domain: ');
        } else {
          const secret = await track(promptHidden(`${labelOf(field)}: `));
          if (field === 'passcode') response.passcode = secret;
          else if (field === 'answer') response.answer = secret;
          else response.nextPin = secret;
        }
      }
      return response;
    },
  };
}

function passwordFor(firstRound: boolean, sources: CliCredentialSources): Promise<Secret> {
  if (!firstRound) return promptHidden('Password: ');
  return sources.passwordFile
    ? secretFromFile(sources.passwordFile, 'password')
    : savedOrAsked(sources.savedFor, 'xauth-password', 'Password: ');
}

async function savedOrAsked(
  profile: Profile | undefined,
  kind: SecretKind,
  question: string,
): Promise<Secret> {
  // loaded only here: a connect with secret files never touches the keychain module
  const saved = profile && (await (await import('./saved-secrets.js')).savedSecret(profile, kind));
  return saved || promptHidden(question);
}

function labelOf(field: 'passcode' | 'answer' | 'next-pin'): string {
  return field === 'passcode' ? 'Passcode' : field === 'answer' ? 'Answer' : 'Next PIN';
}
