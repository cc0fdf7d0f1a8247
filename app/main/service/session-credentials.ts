// The desktop's CredentialProvider for one session (a connect and its reconnects): the keychain
// first, then the user through a prompt. Answers are kept in memory for the session so a
// reconnect or re-authentication does not ask again, unless they cannot be reused: a one-time
// password is never replayed (the profile marks it, or the gateway asks for a passcode, OTP or
// a later round), nor is a password the gateway forbade saving (Unity SAVE_PASSWD off) once it
// is not in the keychain. The engine re-authenticates while the old SAs carry traffic, so the
// session stays up while the user answers.
// Saving a password waits for the gateway's verdict (Cisco Unity SAVE_PASSWD, which arrives with
// Mode Config, after XAuth); saving the group key waits until phase 1 has proven it; a client
// key's passphrase is saved once it has opened the key (a wrong one is asked again, never saved).
import type { CredentialProvider, XauthRequest, XauthResponse } from '../../engine/api.js';
import type { Notice, PromptAnswer, SecretKind } from '../../shared/ui/ipc-schemas.js';
import { type Profile, clientKeyFile } from '../../shared/profile.js';
import { Secret } from '../../shared/secret.js';
import { XAUTH_FIELDS } from '../../shared/xauth-fields.js';
import { checkKeyPassphrase } from './client-key-check.js';
import type { Keychain } from './keychain.js';
import type { PromptBroker } from './prompt-broker.js';

export interface SessionCredentialDeps {
  profile: Profile;
  keychain: Keychain;
  prompts: PromptBroker;
  notify: (code: Notice['code'], level: Notice['level'], message: string) => void;
  log: (message: string) => void;
  /** shown with the first password prompt, e.g. the last attempt's password was rejected */
  promptReason?: string;
}

type Source = 'keychain' | 'memory' | 'user';

const ONE_TIME_FIELDS = new Set<XauthRequest['fields'][number]>(['passcode', 'answer', 'next-pin']);

export class SessionCredentials implements CredentialProvider {
  private groupKey: Secret | undefined;
  private groupKeyFromKeychain = false;
  /** the passphrase that opened the client key, for this session's reconnects */
  private keyPassphraseGiven: Secret | undefined;
  private username: string | undefined;
  private password: Secret | undefined;
  private passwordSource: Source | undefined;
  /** a password the user asked to save, until the gateway says whether it may be */
  private pendingSave: Secret | undefined;
  /** a group key the user asked to save, until phase 1 proves it right: a mistyped key saved
   * at once would be used for every later connect without asking */
  private pendingGroupKeySave: Secret | undefined;
  /** false once the gateway forbade saving (for the rest of the session) */
  private gatewayAllowsSaving: boolean | undefined;
  private readonly handedOut = new Set<Secret>();
  /** round-1 XAuth answers given this session, from the keychain, memory or the user: a later
   * prompt says why it asks again */
  private answered = 0;

  constructor(private readonly deps: SessionCredentialDeps) {}

  async groupPsk(): Promise<Secret> {
    if (this.groupKey) return this.groupKey;
    const { profile, keychain } = this.deps;
    const stored = await this.saved('group-psk', 'group key');
    if (stored) {
      this.deps.log('using the group key saved in the keychain');
      this.groupKey = stored;
      this.groupKeyFromKeychain = true;
      return stored;
    }
    const answer = await this.deps.prompts.ask({
      kind: 'group-psk',
      profile: profile.name,
      group: profile.group,
      canRemember: keychain.status.available,
    });
    const key = this.track(Secret.fromString(answer.values.groupPsk ?? ''));
    this.groupKey = key;
    if (answer.remember && keychain.status.available) this.pendingGroupKeySave = key;
    return key;
  }

  /** Asked by the engine only when the client key is encrypted. A saved passphrase that no
   * longer opens the key (the key was replaced) is not used; the user is asked instead. */
  async keyPassphrase(): Promise<Secret> {
    if (this.keyPassphraseGiven) return this.keyPassphraseGiven;
    const { profile, keychain } = this.deps;
    const keyFile = clientKeyFile(profile) ?? '';
    let reason: string | undefined;
    const stored = await this.saved('key-passphrase', 'client key passphrase');
    if (stored) {
      if ((await checkKeyPassphrase(keyFile, stored)) !== 'wrong') {
        this.deps.log('using the client key passphrase saved in the keychain');
        return (this.keyPassphraseGiven = stored);
      }
      reason = `The passphrase saved in the keychain does not open the key in ${keyFile}: enter the current one.`;
    }
    for (;;) {
      const answer = await this.deps.prompts.ask({
        kind: 'key-passphrase',
        profile: profile.name,
        keyFile,
        canRemember: keychain.status.available,
        ...(reason ? { reason } : {}),
      });
      const passphrase = this.track(Secret.fromString(answer.values.keyPassphrase ?? ''));
      const check = await checkKeyPassphrase(keyFile, passphrase);
      if (check === 'opens' && answer.remember && keychain.status.available)
        await this.save('key-passphrase', passphrase, 'client key passphrase');
      if (check !== 'wrong') return (this.keyPassphraseGiven = passphrase);
      this.deps.log(`the passphrase typed for the client key ${keyFile} does not open it`);
      reason = `That passphrase does not open the key in ${keyFile}, so it was not saved. Enter it again.`;
    }
  }

  async xauth(request: XauthRequest, signal: AbortSignal): Promise<XauthResponse> {
    this.groupKeyProven();
    const reusable = await this.reusableAnswer(request);
    if (reusable) {
      this.answered++;
      return reusable;
    }
    const { profile, keychain } = this.deps;
    const oneTime = this.isOneTime(request);
    const reason = request.round === 1 ? this.askReason() : undefined;
    const answer = await this.deps.prompts.ask(
      {
        kind: 'xauth',
        profile: profile.name,
        round: request.round,
        xauthType: request.xauthType,
        fields: request.fields,
        ...(request.message ? { message: request.message } : {}),
        ...((request.username ?? profile.username)
          ? { username: request.username ?? profile.username }
          : {}),
        canRemember: keychain.status.available && !oneTime && this.gatewayAllowsSaving !== false,
        ...(reason ? { reason } : {}),
      },
      signal,
    );
    if (request.round === 1) this.answered++;
    return this.remember(request, answer, oneTime);
  }

  /** Why the user is asked (again): shown above the first field of round 1. */
  private askReason(): string | undefined {
    if (this.deps.promptReason && this.answered === 0) return this.deps.promptReason;
    if (this.answered === 0) return undefined;
    if (this.deps.profile.tokenCode)
      return 'A one-time password is never sent twice: enter a new code. The tunnel stays up meanwhile.';
    if (this.gatewayAllowsSaving === false)
      return 'The gateway does not allow keeping the password (Cisco Unity SAVE_PASSWD is off): enter it again. The tunnel stays up meanwhile.';
    return undefined;
  }

  /** The gateway's signal (a passcode, OTP, a later round) or the profile's mark. */
  private isOneTime(request: XauthRequest): boolean {
    return this.deps.profile.tokenCode || isOneTime(request);
  }

  savePasswordPolicy(allowed: boolean | undefined): void {
    this.groupKeyProven();
    this.gatewayAllowsSaving = allowed;
    // no SAVE_PASSWD at all (strongSwan sends none): not saved, as Cisco's client does, but
    // kept for this session; only an explicit 0 makes re-authentication ask again
    void this.applySavePolicy(allowed);
  }

  /** The gateway rejected the password: never send it again on its own. */
  async passwordRejected(): Promise<void> {
    const source = this.passwordSource;
    this.forgetPassword();
    if (source !== 'keychain') return;
    if (await this.deps.keychain.delete(this.deps.profile.name, 'xauth-password')) {
      this.deps.notify(
        'saved-password-rejected',
        'warning',
        `The gateway rejected the password saved for "${this.deps.profile.name}", so it was removed from the keychain. Enter the current password next time.`,
      );
    }
  }

  /** Phase 1 failed on the group key (the gateway's HASH_R did not verify with it): a saved
   * key is wrong, so it is removed rather than tried on every later connect. */
  async groupKeyRejected(): Promise<void> {
    const fromKeychain = this.groupKeyFromKeychain;
    this.groupKey = undefined;
    this.groupKeyFromKeychain = false;
    this.pendingGroupKeySave = undefined;
    if (!fromKeychain) return;
    if (await this.deps.keychain.delete(this.deps.profile.name, 'group-psk')) {
      this.deps.notify(
        'saved-group-key-rejected',
        'warning',
        `The gateway rejected the group key saved for "${this.deps.profile.name}", so it was removed from the keychain. Enter the current group key next time.`,
      );
    }
  }

  /** The session is over: zero and drop every secret held in memory. */
  endSession(): void {
    for (const secret of this.handedOut) secret.wipe();
    this.handedOut.clear();
    this.groupKey = undefined;
    this.groupKeyFromKeychain = false;
    this.pendingGroupKeySave = undefined;
    this.keyPassphraseGiven = undefined;
    this.forgetPassword();
  }

  /** What the keychain holds for this profile's gateway and group. A secret saved for another
   * gateway or group is not sent: the user is asked again (and may save the answer). */
  private async saved(kind: SecretKind, what: string): Promise<Secret | undefined> {
    const { profile, keychain } = this.deps;
    const { secret, savedFor } = await keychain.getFor(profile, kind);
    if (savedFor)
      this.deps.log(
        `the ${what} in the keychain was saved for gateway ${savedFor.gateway}, group "${savedFor.group}"; this profile now names gateway ${profile.gateway}, group "${profile.group}": asking again`,
      );
    return secret && this.track(secret);
  }

  /** Every secret this session holds or hands to the engine, so endSession can wipe it. */
  private track(secret: Secret): Secret {
    this.handedOut.add(secret);
    return secret;
  }

  /** XAuth or Mode Config come only after phase 1 authenticated with the group key (the
   * gateway's hash verified with it, RFC 2409 5.4): it is right, so save it if asked to. */
  private groupKeyProven(): void {
    const key = this.pendingGroupKeySave;
    this.pendingGroupKeySave = undefined;
    if (key) void this.save('group-psk', key, 'group key');
  }

  private forgetPassword(): void {
    this.password = undefined;
    this.passwordSource = undefined;
    this.pendingSave = undefined;
  }

  /** Round 1 asking only for username/password can be answered without the user. */
  private async reusableAnswer(request: XauthRequest): Promise<XauthResponse | undefined> {
    if (this.isOneTime(request) || request.round !== 1 || !request.fields.includes('password'))
      return undefined;
    // SAVE_PASSWD off: only a password still in the keychain may answer, never one kept here
    if (this.gatewayAllowsSaving === false && this.passwordSource !== 'keychain') {
      this.forgetPassword();
    }
    const username = request.username ?? this.username ?? this.deps.profile.username;
    if (request.fields.includes('username') && !username) return undefined;
    if (!this.password && !this.deps.promptReason) {
      const stored = await this.saved('xauth-password', 'XAuth password');
      if (stored) {
        this.password = stored;
        this.passwordSource = 'keychain';
        this.deps.log('using the XAuth password saved in the keychain');
      }
    } else if (this.password) {
      this.deps.log('reusing the XAuth password given earlier in this session');
    }
    if (!this.password) return undefined;
    return {
      password: this.password,
      ...(request.fields.includes('username') ? { username } : {}),
    };
  }

  private async remember(
    request: XauthRequest,
    answer: PromptAnswer,
    oneTime: boolean,
  ): Promise<XauthResponse> {
    const { values } = answer;
    const response: XauthResponse = {};
    if (values.username !== undefined) response.username = this.username = values.username;
    if (values.domain !== undefined) response.domain = values.domain;
    // the one-time secrets (passcode, answer, new PIN) go as typed; the password is kept below
    for (const row of XAUTH_FIELDS) {
      const value = values[row.answer];
      if (row.secret && row.field !== 'password' && value)
        response[row.answer] = this.track(Secret.fromString(value));
    }
    if (values.password) {
      const password = this.track(Secret.fromString(values.password));
      response.password = password;
      if (!oneTime && request.round === 1) {
        this.password = password;
        this.passwordSource = 'user';
        if (answer.remember && this.deps.keychain.status.available) this.pendingSave = password;
      }
    }
    return response;
  }

  private async applySavePolicy(allowed: boolean | undefined): Promise<void> {
    const { profile, keychain } = this.deps;
    const wanted = this.pendingSave;
    this.pendingSave = undefined;
    if (allowed === true) {
      if (wanted) await this.save('xauth-password', wanted, 'password');
      return;
    }
    const why =
      allowed === false
        ? 'Cisco Unity SAVE_PASSWD is off'
        : 'it does not send Cisco Unity SAVE_PASSWD, which would allow it';
    const removed = await keychain.delete(profile.name, 'xauth-password');
    if (removed) {
      this.deps.notify(
        'saved-password-removed',
        'warning',
        `The gateway does not allow saved passwords (${why}), so the password saved for "${profile.name}" was removed from the keychain. You will be asked for it each time.`,
      );
    } else if (wanted) {
      this.deps.notify(
        'password-not-saved',
        'warning',
        `The gateway does not allow saving the password (${why}), so it was not saved. You will be asked for it each time.`,
      );
    }
    if (this.passwordSource === 'keychain') this.passwordSource = 'memory';
  }

  private async save(kind: SecretKind, secret: Secret, what: string): Promise<void> {
    const { profile, keychain } = this.deps;
    try {
      await keychain.setFor(profile, kind, secret);
      this.deps.notify(
        'secret-saved',
        'info',
        `The ${what} for "${profile.name}" was saved in the keychain.`,
      );
    } catch (error) {
      this.deps.notify(
        'keychain-unavailable',
        'warning',
        `The ${what} was not saved: ${(error as Error).message}`,
      );
    }
  }
}

function isOneTime(request: XauthRequest): boolean {
  return (
    request.round > 1 ||
    request.xauthType === 'otp' ||
    request.xauthType === 's-key' ||
    request.fields.some((field) => ONE_TIME_FIELDS.has(field))
  );
}
