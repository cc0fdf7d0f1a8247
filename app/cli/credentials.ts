// The CLI's credential provider: secret files first, a no-echo TTY prompt otherwise. Each XAuth
// round asks for what the gateway wants (fields and labels from app/shared/xauth-fields.ts);
// a later round (OTP, next token code, new PIN, a message) always asks, since a stored password
// cannot answer it.
import {
  type CredentialProvider,
  EngineError,
  type XauthRequest,
  type XauthResponse,
} from '../engine/api.js';
import type { SecretKind } from '../shared/ui/ipc-schemas.js';
import type { Profile } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';
import { XAUTH_FIELDS } from '../shared/xauth-fields.js';
import { printable } from './printable.js';
import { promptHidden, promptLine, secretFromFile } from './secrets.js';

export interface CliCredentialSources {
  groupPskFile?: string;
  passwordFile?: string;
  /** the client key's passphrase (xauth-rsa with an encrypted key) */
  keyPassphraseFile?: string;
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
          : savedOrAsked(
              sources.savedFor,
              'group-psk',
              'Group pre-shared key: ',
              FILE_FLAGS.groupPsk,
            ),
      ),
    // asked for only when the profile's client key turns out to be encrypted
    keyPassphrase: () =>
      track(
        sources.keyPassphraseFile
          ? secretFromFile(sources.keyPassphraseFile, 'client key passphrase')
          : savedOrAsked(
              sources.savedFor,
              'key-passphrase',
              'Passphrase of the client key: ',
              FILE_FLAGS.keyPassphrase,
            ),
      ),
    xauth: async (request: XauthRequest): Promise<XauthResponse> => {
      if (request.message) process.stderr.write(`Gateway says: ${printable(request.message)}\n`);
      // a round that asks nothing is the gateway's message for the user to acknowledge
      if (request.fields.length === 0) {
        if (process.stdin.isTTY) await promptLine('Press Enter to continue ');
        return {};
      }
      const response: XauthResponse = {};
      for (const row of XAUTH_FIELDS) {
        if (!request.fields.includes(row.field)) continue;
        if (row.field === 'username') {
          response.username =
            request.username ?? sources.username ?? (await promptLine('Username: '));
        } else if (row.field === 'password') {
          response.password = await track(passwordFor(request.round === 1, sources));
        } else if (row.field === 'next-pin') {
          response.nextPin = await track(newPin());
        } else if (row.secret) {
          response[row.answer] = await track(promptHidden(`${row.label}: `));
        } else {
          response[row.answer] = await promptLine(`${row.label}: `);
        }
      }
      return response;
    },
  };
}

/** The connect options that give each secret in a file, named when no terminal can ask. */
export const FILE_FLAGS = {
  groupPsk: '--group-psk-file',
  password: '--password-file',
  keyPassphrase: '--key-passphrase-file',
} as const;

const NEW_PIN_TRIES = 3;

/** A new PIN typed twice, sent once: a typo would lock the user out of the token. */
async function newPin(): Promise<Secret> {
  for (let attempt = 1; attempt <= NEW_PIN_TRIES; attempt++) {
    const pin = await promptHidden('New PIN: ');
    const again = await promptHidden('Confirm new PIN: ');
    const same = Buffer.from(pin.reveal()).equals(Buffer.from(again.reveal()));
    again.wipe();
    if (same) return pin;
    pin.wipe();
    process.stderr.write('The two PINs differ; type them again.\n');
  }
  throw new EngineError(
    'credentials-missing',
    `the new PIN was not confirmed in ${NEW_PIN_TRIES} tries`,
  );
}

function passwordFor(firstRound: boolean, sources: CliCredentialSources): Promise<Secret> {
  if (!firstRound) return promptHidden('Password: ');
  return sources.passwordFile
    ? secretFromFile(sources.passwordFile, 'password')
    : savedOrAsked(sources.savedFor, 'xauth-password', 'Password: ', FILE_FLAGS.password);
}

async function savedOrAsked(
  profile: Profile | undefined,
  kind: SecretKind,
  question: string,
  fileFlag: string,
): Promise<Secret> {
  // loaded only here: a connect with secret files never touches the keychain module
  const saved = profile && (await (await import('./saved-secrets.js')).savedSecret(profile, kind));
  return saved || promptHidden(question, fileFlag);
}
