// The desktop service's own vocabulary (beyond the engine's events): what the UI is shown and
// what it may send back. Declared once as schemas; the IPC contract (ipc.ts) is built from these.
import { z } from 'zod';
import {
  ConnectionStateSchema,
  CountersEventSchema,
  DiagnosisEventSchema,
  ErrorCodeSchema,
  IkeSaEventSchema,
  IpsecSaEventSchema,
  LogEventSchema,
  NetworkEventSchema,
  WarningEventSchema,
} from '../events.js';
import {
  XAUTH_FIELDS,
  type XauthAnswerKey,
  xauthFieldNames,
  xauthTypeNames,
} from '../xauth-fields.js';

/** the XAuth fields a prompt shows, with their labels (declared in app/shared/xauth-fields.ts) */
export { XAUTH_FIELDS };

export const secretKinds = ['group-psk', 'xauth-password', 'key-passphrase'] as const;
export const SecretKindSchema = z.enum(secretKinds);
export type SecretKind = z.infer<typeof SecretKindSchema>;
/** each saved secret's name for the user (desktop and CLI) */
export const SECRET_LABELS: Record<SecretKind, string> = {
  'group-psk': 'group key',
  'xauth-password': 'XAuth password',
  'key-passphrase': 'client key passphrase',
};

export const ProfileNameSchema = z.string().trim().min(1, 'profile name is required').max(64);

export const KeychainStatusSchema = z.object({
  available: z.boolean(),
  /** why it is not available, in words a user can act on */
  message: z.string().optional(),
});
export type KeychainStatus = z.infer<typeof KeychainStatusSchema>;

export const CredentialStatusSchema = z.object({
  profile: z.string(),
  groupPsk: z.boolean(),
  xauthPassword: z.boolean(),
  /** the passphrase of an encrypted client key (certificate profiles) */
  keyPassphrase: z.boolean(),
  keychain: KeychainStatusSchema,
});
export type CredentialStatus = z.infer<typeof CredentialStatusSchema>;

export const XauthFieldSchema = z.enum(xauthFieldNames);
export type XauthField = z.infer<typeof XauthFieldSchema>;

/** A question for the user: the group key when none is stored, the passphrase of an encrypted
 * client key, or an XAuth round. */
export const PromptRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    id: z.string(),
    kind: z.literal('group-psk'),
    profile: z.string(),
    group: z.string(),
    canRemember: z.boolean(),
  }),
  z.object({
    id: z.string(),
    kind: z.literal('key-passphrase'),
    profile: z.string(),
    /** the file holding the client key: privateKeyFile, or a PKCS#12 certificateFile */
    keyFile: z.string(),
    canRemember: z.boolean(),
    /** why we ask again, e.g. the last passphrase did not open the key */
    reason: z.string().optional(),
  }),
  z.object({
    id: z.string(),
    kind: z.literal('xauth'),
    profile: z.string(),
    round: z.number().int(),
    xauthType: z.enum(xauthTypeNames),
    fields: z.array(XauthFieldSchema),
    /** the gateway's own words (XAUTH_MESSAGE), e.g. "Enter the next code" */
    message: z.string().optional(),
    username: z.string().optional(),
    canRemember: z.boolean(),
    /** why we ask although a password is stored, e.g. it was just rejected */
    reason: z.string().optional(),
  }),
]);
export type PromptRequest = z.infer<typeof PromptRequestSchema>;

const answerValue = z.string().min(1).max(1024);
const nameValue = z.string().min(1).max(255);
const xauthAnswerValues = Object.fromEntries(
  XAUTH_FIELDS.map((row) => [row.answer, row.secret ? answerValue : nameValue]),
) as Record<XauthAnswerKey, typeof answerValue>;
export const PromptAnswerSchema = z.object({
  id: z.string().min(1),
  values: z
    .object({
      groupPsk: answerValue,
      keyPassphrase: answerValue,
      ...xauthAnswerValues,
    })
    .partial(),
  /** store the group key / passphrase / password in the keychain (honoured only when allowed) */
  remember: z.boolean().default(false),
});
export type PromptAnswer = z.output<typeof PromptAnswerSchema>;

export const BannerSchema = z.object({ id: z.string(), profile: z.string(), text: z.string() });
export type Banner = z.infer<typeof BannerSchema>;

export const NoticeSchema = z.object({
  id: z.string(),
  at: z.number(),
  level: z.enum(['info', 'warning', 'error']),
  code: z.enum([
    'keychain-unavailable',
    'password-not-saved',
    'saved-password-removed',
    'saved-password-rejected',
    'saved-group-key-rejected',
    'secret-saved',
    /** a profile file opened with the app (double-click on a .pcf or .vpn) was imported */
    'profile-imported',
    'profile-import-failed',
  ]),
  message: z.string(),
});
export type Notice = z.infer<typeof NoticeSchema>;

export const ReconnectStateSchema = z.object({
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  delayMs: z.number(),
  nextAttemptAt: z.number(),
  reason: z.string(),
});
export type ReconnectState = z.infer<typeof ReconnectStateSchema>;

export const servicePhases = [
  'idle',
  'connecting',
  'connected',
  'reconnecting',
  'disconnecting',
  'failed',
] as const;
export const ServicePhaseSchema = z.enum(servicePhases);
export type ServicePhase = z.infer<typeof ServicePhaseSchema>;

export const FailureSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  failedAt: ConnectionStateSchema,
  at: z.number(),
});
export type Failure = z.infer<typeof FailureSchema>;

/** Everything stateful a UI needs, so one that joins late shows the same as one that was there. */
export const ServiceSnapshotSchema = z.object({
  phase: ServicePhaseSchema,
  /** the active profile, or the last one used */
  profile: z.string().optional(),
  engineState: ConnectionStateSchema,
  failure: FailureSchema.optional(),
  connectedAt: z.number().optional(),
  ike: IkeSaEventSchema.optional(),
  ipsec: z.array(IpsecSaEventSchema),
  /** what a network engineer would point out about this connection (SA details shows them) */
  warnings: z.array(WarningEventSchema),
  /** the engine's current diagnosis (never a cleared one): the diagnosis panel shows it */
  diagnosis: DiagnosisEventSchema.optional(),
  network: NetworkEventSchema.optional(),
  counters: CountersEventSchema.optional(),
  reconnect: ReconnectStateSchema.optional(),
  prompt: PromptRequestSchema.optional(),
  banner: BannerSchema.optional(),
  keychain: KeychainStatusSchema,
});
export type ServiceSnapshot = z.infer<typeof ServiceSnapshotSchema>;

export const LoggedRecordSchema = z.object({ seq: z.number().int(), event: LogEventSchema });
export type LoggedRecord = z.infer<typeof LoggedRecordSchema>;

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  host: z.enum(['electron', 'web']),
  platform: z.string(),
  configDir: z.string(),
  logCapacity: z.number().int(),
  keychain: KeychainStatusSchema,
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const ipcErrorCodes = [
  'invalid-input',
  'unknown-invoke',
  'not-found',
  'conflict',
  'busy',
  'keychain-unavailable',
  'forbidden',
  'internal',
] as const;
export const IpcErrorCodeSchema = z.enum(ipcErrorCodes);
export type IpcErrorCode = z.infer<typeof IpcErrorCodeSchema>;

export const IpcFailureSchema = z.object({
  code: IpcErrorCodeSchema,
  message: z.string(),
  /** per-field problems, path joined with dots (e.g. "profile.gateway") */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type IpcFailure = z.infer<typeof IpcFailureSchema>;
