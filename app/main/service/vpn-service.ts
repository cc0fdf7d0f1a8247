// The desktop app's one service: profiles, saved credentials, the active connection and its
// events, logs. Plain Node: Electron and the web host only carry its contract to a UI.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DataPlanePort } from '../../shared/dataplane-port.js';
import type { LogLevel } from '../../shared/events.js';
import type { ServiceListener } from './service-bus.js';
import type {
  CredentialStatus,
  LoggedRecord,
  PromptAnswer,
  SecretKind,
  ServiceSnapshot,
} from '../../shared/ui/ipc-schemas.js';
import { SECRET_LABELS, secretKinds } from '../../shared/ui/ipc-schemas.js';
import { logLineText } from '../../shared/ui/event-text.js';
import type { Profile, ProfileInput } from '../../shared/profile.js';
import { Secret } from '../../shared/secret.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import {
  type ConnectDefaults,
  type ConnectFunction,
  ConnectionSupervisor,
} from './connection-supervisor.js';
import type { CredentialStore } from './credential-store.js';
import { Keychain } from './keychain.js';
import { ProfileFileError } from '../../profiles/import-result.js';
import { type ImportReport, importIntoStore } from './profile-import.js';
import type { ProfileListing, ProfileStore } from './profile-store.js';
import type { LogSession } from './log-file.js';
import { PromptBroker } from './prompt-broker.js';
import { watchNetwork } from './network-watcher.js';
import { ServiceBus } from './service-bus.js';
import { ServiceError } from './service-error.js';
import { initialSnapshot } from './snapshot-reducer.js';

export interface VpnServiceOptions {
  /** the engine's connect(); tests pass a fake one */
  connect: ConnectFunction;
  createDataPlane: () => DataPlanePort;
  profiles: ProfileStore;
  credentials: CredentialStore;
  connectDefaults?: ConnectDefaults;
  backoff?: Partial<BackoffOptions>;
  /** log records kept for late-joining UIs */
  logCapacity?: number;
  /** poll the machine's addresses and reconnect when they change (off in tests) */
  networkWatchIntervalMs?: number;
  random?: () => number;
  /** the earlier runs of the app in the saved log, oldest first (none without a log file) */
  logSessions?: () => LogSession[];
}

export const DEFAULT_LOG_CAPACITY = 100_000;

export class VpnService {
  readonly profiles: ProfileStore;
  readonly keychain: Keychain;
  readonly logCapacity: number;
  private readonly bus: ServiceBus;
  private readonly prompts: PromptBroker;
  private readonly supervisor: ConnectionSupervisor;
  private stopWatching: () => void = () => undefined;

  constructor(private readonly options: VpnServiceOptions) {
    this.profiles = options.profiles;
    this.logCapacity = options.logCapacity ?? DEFAULT_LOG_CAPACITY;
    this.keychain = new Keychain(options.credentials, (status) => {
      this.bus.update((s) => ({ ...s, keychain: status }));
      this.bus.notice('keychain-unavailable', 'warning', status.message ?? 'No keychain available');
    });
    this.bus = new ServiceBus(initialSnapshot(this.keychain.status), this.logCapacity);
    this.prompts = new PromptBroker((prompt) => this.bus.update((s) => ({ ...s, prompt })));
    this.supervisor = new ConnectionSupervisor({
      bus: this.bus,
      keychain: this.keychain,
      prompts: this.prompts,
      connect: options.connect,
      createDataPlane: options.createDataPlane,
      connectDefaults: options.connectDefaults ?? {},
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      random: options.random ?? Math.random,
    });
  }

  /** Checks the keychain once; call before serving a UI. */
  async start(): Promise<void> {
    const status = await this.keychain.probe();
    this.bus.update((s) => ({ ...s, keychain: status }));
    if (this.options.networkWatchIntervalMs) {
      this.stopWatching = watchNetwork((change) => void this.reconnectNow(change), {
        intervalMs: this.options.networkWatchIntervalMs,
        ignore: () => new Set(this.supervisor.activeTunnel ? [this.supervisor.activeTunnel] : []),
      });
    }
  }

  on(listener: ServiceListener): () => void {
    return this.bus.on(listener);
  }

  snapshot(): ServiceSnapshot {
    return this.bus.snapshot;
  }

  // --- profiles ---------------------------------------------------------------------------

  listProfiles(): Promise<ProfileListing> {
    return this.profiles.list();
  }

  getProfile(name: string): Promise<Profile> {
    return this.profiles.get(name);
  }

  /** A rename takes the profile's saved secrets along. */
  async saveProfile(input: ProfileInput, previousName?: string): Promise<Profile> {
    const renaming = previousName !== undefined && previousName !== input.name;
    if (renaming) this.refuseIfActive(previousName, 'rename');
    const saved = await this.profiles.save(input, previousName);
    if (renaming) await this.moveSecrets(previousName, saved.name);
    return saved;
  }

  async deleteProfile(name: string): Promise<boolean> {
    this.refuseIfActive(name, 'delete');
    const deleted = await this.profiles.delete(name);
    if (deleted) for (const kind of secretKinds) await this.keychain.delete(name, kind);
    return deleted;
  }

  /** A .pcf, .vpn or JSON file the user picked or dropped: saved as a profile, its secrets
   * straight into the keychain. A file that cannot become a profile is refused field by field. */
  async importProfile(file: string, content: Uint8Array, name?: string): Promise<ImportReport> {
    try {
      const report = await importIntoStore(
        this.profiles,
        () => Promise.resolve(this.keychain),
        content,
        file,
        name,
      );
      this.bus.log('info', `imported "${report.profile.name}" from ${file}`);
      return report;
    } catch (error) {
      if (!(error instanceof ProfileFileError)) throw error;
      throw new ServiceError(
        'invalid-input',
        error.message,
        error.problems.map((p) => ({ path: p.field, message: p.message })),
      );
    }
  }

  /** A profile file the OS opened with the app (a double-click on a .pcf or .vpn): imported,
   * and the outcome told to every window as a notice (no secret in it). */
  async importOpenedFile(path: string): Promise<void> {
    try {
      const report = await this.importProfile(basename(path), await readFile(path));
      const skipped = report.notes.length
        ? ` ${report.notes.length} setting${report.notes.length > 1 ? 's were' : ' was'} not carried over: ${report.notes.map((n) => n.field).join(', ')}.`
        : '';
      const unsaved = report.secrets.filter((s) => !s.saved).length
        ? ' Its secrets were not saved (no keychain): they will be asked for.'
        : '';
      this.bus.notice(
        'profile-imported',
        'info',
        `Imported "${report.profile.name}" from ${basename(path)}.${skipped}${unsaved}`,
      );
    } catch (error) {
      this.bus.notice(
        'profile-import-failed',
        'error',
        `${basename(path)} was not imported: ${(error as Error).message}`,
      );
    }
  }

  duplicateProfile(name: string, newName?: string): Promise<Profile> {
    return this.profiles.duplicate(name, newName);
  }

  // --- credentials: the UI can set, clear and ask about a secret, never read it ------------

  /** Saved means saved for the profile's current gateway and group: one saved for another
   * would not be used. */
  async credentialStatus(profile: string): Promise<CredentialStatus> {
    const bound = await this.profiles.get(profile).catch(() => undefined);
    const saved = async (kind: SecretKind) => {
      if (!bound) return this.keychain.has(profile, kind);
      const { secret } = await this.keychain.getFor(bound, kind);
      secret?.wipe();
      return secret !== undefined;
    };
    const [groupPsk, xauthPassword, keyPassphrase] = await Promise.all([
      saved('group-psk'),
      saved('xauth-password'),
      saved('key-passphrase'),
    ]);
    return { profile, groupPsk, xauthPassword, keyPassphrase, keychain: this.keychain.status };
  }

  async setCredential(profile: string, kind: SecretKind, value: string): Promise<CredentialStatus> {
    const secret = Secret.fromString(value);
    try {
      await this.keychain.setFor(await this.profiles.get(profile), kind, secret);
    } finally {
      secret.wipe();
    }
    this.bus.log('info', `saved the ${SECRET_LABELS[kind]} for "${profile}" in the keychain`);
    return this.credentialStatus(profile);
  }

  async clearCredential(profile: string, kind: SecretKind): Promise<CredentialStatus> {
    await this.keychain.delete(profile, kind);
    return this.credentialStatus(profile);
  }

  // --- connection ---------------------------------------------------------------------------

  async connect(profileName: string, logLevel: LogLevel): Promise<ServiceSnapshot> {
    const profile = await this.profiles.get(profileName);
    this.supervisor.start(profile, logLevel);
    return this.snapshot();
  }

  async disconnect(): Promise<ServiceSnapshot> {
    await this.supervisor.stop();
    return this.snapshot();
  }

  /** From the OS: resume from sleep, a new network. */
  reconnectNow(reason: string): Promise<void> {
    return this.supervisor.reconnectNow(reason);
  }

  answerPrompt(answer: PromptAnswer): boolean {
    return this.prompts.answer(answer);
  }

  cancelPrompt(id: string): boolean {
    return this.prompts.cancel(id);
  }

  async acknowledgeBanner(id: string, accept: boolean): Promise<ServiceSnapshot> {
    await this.supervisor.acknowledgeBanner(id, accept);
    return this.snapshot();
  }

  // --- logs ---------------------------------------------------------------------------------

  readLogs(afterSeq: number, limit: number): { records: LoggedRecord[]; lastSeq: number } {
    return { records: this.bus.logs.read(afterSeq, limit), lastSeq: this.bus.lastSeq };
  }

  /** The saved log's runs of the app before this one, newest first. */
  earlierLogSessions(): LogSession[] {
    return (this.options.logSessions?.() ?? []).slice(0, -1).reverse();
  }

  exportLogs(format: 'text' | 'jsonl'): { text: string; lines: number; suggestedName: string } {
    const records = this.bus.logs.read(-1, this.logCapacity);
    const lines = records.map((r) =>
      format === 'text' ? logLineText(r.event) : JSON.stringify(r.event),
    );
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return {
      text: lines.length ? `${lines.join('\n')}\n` : '',
      lines: lines.length,
      suggestedName: `roadwarrior-${stamp}.${format === 'text' ? 'log' : 'jsonl'}`,
    };
  }

  /** Disconnects (sending DELETEs) before the process goes. */
  async close(): Promise<void> {
    this.stopWatching();
    await this.supervisor.stop();
  }

  private refuseIfActive(name: string, what: string): void {
    if (this.supervisor.activeProfile === name) {
      throw new ServiceError(
        'busy',
        `cannot ${what} "${name}" while it is connected: disconnect first`,
      );
    }
  }

  private async moveSecrets(from: string, to: string): Promise<void> {
    for (const kind of secretKinds) {
      const secret = await this.keychain.get(from, kind);
      if (!secret) continue;
      await this.keychain.set(to, kind, secret);
      await this.keychain.delete(from, kind);
    }
  }
}
