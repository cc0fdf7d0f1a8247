// The one IPC contract between the desktop service (Electron main or the web host) and the
// renderer. Every invoke (request/response) and every event is declared here exactly once; the
// main-side dispatcher, the preload's bridge type and the renderer's client derive from it.
// The renderer imports only app/shared/ui (.dependency-cruiser.cjs), so this module also re-exports
// the protocol facts it needs.
import { z } from 'zod';
import { EngineEventSchema, LogLevelSchema } from '../events.js';
import {
  AppInfoSchema,
  CredentialStatusSchema,
  LoggedRecordSchema,
  NoticeSchema,
  ProfileNameSchema,
  PromptAnswerSchema,
  SecretKindSchema,
  ServiceSnapshotSchema,
} from './ipc-schemas.js';
import type { IpcFailure } from './ipc-schemas.js';
import { ProfileSchema } from '../profile.js';

const none = z.undefined();
const byName = z.object({ name: ProfileNameSchema });

const ProfileProblemSchema = z.object({ file: z.string(), message: z.string() });

/** renderer -> main: input is validated at the boundary, output is what the handler returns */
export const invokes = {
  'app.info': { input: none, output: AppInfoSchema },
  'profiles.list': {
    input: none,
    output: z.object({
      profiles: z.array(ProfileSchema),
      /** files that could not be read: shown, never overwritten */
      problems: z.array(ProfileProblemSchema),
      /** names of the profiles an administrator manages: read-only */
      managed: z.array(ProfileNameSchema),
    }),
  },
  /** a .pcf, .vpn or JSON file the user picked or dropped; its secrets go to the keychain */
  'profiles.import': {
    input: z.object({
      fileName: z.string().min(1).max(255),
      /** the file's bytes, base64 (Latin-1 .pcf files are not UTF-8 text) */
      contentBase64: z.string().max(2 * 1024 * 1024, 'the file is too large for a profile'),
      name: ProfileNameSchema.optional(),
    }),
    output: z.object({
      profile: ProfileSchema,
      /** what was not carried over, one per field of the file */
      notes: z.array(z.object({ field: z.string(), message: z.string() })),
      /** each secret the file held and whether it is now in the keychain (never its value) */
      secrets: z.array(z.object({ kind: SecretKindSchema, saved: z.boolean() })),
    }),
  },
  'profiles.get': { input: byName, output: ProfileSchema },
  'profiles.save': {
    input: z.object({ profile: ProfileSchema, previousName: ProfileNameSchema.optional() }),
    output: ProfileSchema,
  },
  'profiles.delete': { input: byName, output: z.object({ deleted: z.boolean() }) },
  'profiles.duplicate': {
    input: z.object({ name: ProfileNameSchema, newName: ProfileNameSchema.optional() }),
    output: ProfileSchema,
  },
  'credentials.status': {
    input: z.object({ profile: ProfileNameSchema }),
    output: CredentialStatusSchema,
  },
  'credentials.set': {
    input: z.object({
      profile: ProfileNameSchema,
      kind: SecretKindSchema,
      value: z.string().min(1, 'the secret is empty').max(1024),
    }),
    output: CredentialStatusSchema,
  },
  'credentials.clear': {
    input: z.object({ profile: ProfileNameSchema, kind: SecretKindSchema }),
    output: CredentialStatusSchema,
  },
  'connection.connect': {
    input: z.object({ profile: ProfileNameSchema, logLevel: LogLevelSchema.default('debug') }),
    output: ServiceSnapshotSchema,
  },
  /** also cancels a connection attempt or a pending reconnect */
  'connection.disconnect': { input: none, output: ServiceSnapshotSchema },
  'connection.status': { input: none, output: ServiceSnapshotSchema },
  'prompt.answer': { input: PromptAnswerSchema, output: z.object({ accepted: z.boolean() }) },
  'prompt.cancel': {
    input: z.object({ id: z.string().min(1) }),
    output: z.object({ cancelled: z.boolean() }),
  },
  /** accept: false ends the session, as the gateway's terms were declined */
  'banner.acknowledge': {
    input: z.object({ id: z.string().min(1), accept: z.boolean() }),
    output: ServiceSnapshotSchema,
  },
  'logs.read': {
    input: z.object({
      afterSeq: z.number().int().min(-1).default(-1),
      limit: z.number().int().min(1).max(100_000).default(100_000),
    }),
    output: z.object({ records: z.array(LoggedRecordSchema), lastSeq: z.number().int() }),
  },
  'logs.export': {
    input: z.object({ format: z.enum(['text', 'jsonl']).default('text') }),
    output: z.object({
      lines: z.number().int(),
      suggestedName: z.string(),
      /** the web host returns the text for the browser to save */
      text: z.string().optional(),
      /** Electron saves it itself through a dialog */
      savedTo: z.string().optional(),
    }),
  },
  /** the earlier runs of the app in the rotating log on disk, newest first */
  'logs.sessions': {
    input: none,
    output: z.object({
      sessions: z.array(
        z.object({ startedAt: z.string(), lines: z.number().int(), text: z.string() }),
      ),
    }),
  },
  /** the support bundle (roadwarrior support-bundle): logs, profiles, SAs, diagnosis, pcap */
  'support.bundle': {
    input: none,
    output: z.object({
      suggestedName: z.string(),
      /** the web host returns the archive for the browser to save */
      archiveBase64: z.string().optional(),
      /** Electron saves it itself through a dialog */
      savedTo: z.string().optional(),
    }),
  },
} as const;

/** main -> renderer */
export const events = {
  /** every engine event, numbered so a late-joining UI can merge it with logs.read */
  engine: z.object({ seq: z.number().int(), event: EngineEventSchema }),
  /** sent whenever service state changes (not for counters or logs, which are engine events);
   * it carries the pending XAuth/group-key prompt and the banner to acknowledge */
  snapshot: ServiceSnapshotSchema,
  /** something the user should know: keychain missing, password not saved and why */
  notice: NoticeSchema,
} as const;

type Invokes = typeof invokes;
type Events = typeof events;
export type InvokeName = keyof Invokes;
export type EventName = keyof Events;
/** what a caller sends (defaults not yet applied) */
export type InvokeInput<K extends InvokeName> = z.input<Invokes[K]['input']>;
/** what a handler receives (validated, defaults applied) */
export type InvokeArg<K extends InvokeName> = z.output<Invokes[K]['input']>;
export type InvokeResult<K extends InvokeName> = z.output<Invokes[K]['output']>;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export type EventMessage = { [E in EventName]: { name: E; payload: EventPayload<E> } }[EventName];

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcFailure };

/** Main side: one handler per invoke, typed from the contract. */
export type InvokeHandlers = {
  [K in InvokeName]: (input: InvokeArg<K>) => Promise<InvokeResult<K>> | InvokeResult<K>;
};

/** What carries the contract: Electron's preload bridge (window.roadwarrior) or the web socket.
 * Untyped on purpose: the client below gives it types, the dispatcher validates. */
export interface IpcTransport {
  invoke(name: InvokeName, input: unknown): Promise<IpcResult<unknown>>;
  subscribe(listener: (message: EventMessage) => void): () => void;
}
/** The preload exposes exactly this as window.roadwarrior. */
export type RoadwarriorBridge = IpcTransport;

export const invokeNames = Object.keys(invokes) as InvokeName[];
export const eventNames = Object.keys(events) as EventName[];

export function isInvokeName(name: unknown): name is InvokeName {
  return typeof name === 'string' && Object.hasOwn(invokes, name);
}

export {
  EngineEventSchema,
  LogLevelSchema,
  connectionStates,
  errorCodes,
  logLevels,
  phases,
} from '../events.js';
export type {
  ConnectionState,
  CountersEvent,
  DiagnosisEvent,
  EngineEvent,
  ErrorCode,
  IkeSaEvent,
  IpsecSaEvent,
  LogEvent,
  LogLevel,
  NetworkEvent,
  Phase,
  WarningCode,
  WarningEvent,
} from '../events.js';
export { DH_GROUPS, DH_GROUP_NAMES, dhGroupLabel } from '../algorithms.js';
export {
  AUTH_METHODS,
  DEFAULT_ESP_PROPOSALS,
  DEFAULT_IKE_PROPOSALS,
  ProfileSchema,
  clientKeyFile,
} from '../profile.js';
export type { Profile, ProfileInput } from '../profile.js';
export * from './ipc-schemas.js';
