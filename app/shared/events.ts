// The engine's typed events: the one vocabulary the CLI (--json), the desktop app (IPC) and the
// web host render. Declared once as schemas; TypeScript types derive from them.
import { z } from 'zod';

/** Connection states, named after the exchange step (RFC 2409 aggressive mode, XAuth, Mode
 * Config, Quick Mode). */
export const connectionStates = [
  'idle',
  'am1-sent',
  'am2-received',
  'am3-sent',
  'xauth',
  'modecfg',
  'qm1-sent',
  'qm2-received',
  'qm3-sent',
  'connected',
  'rekeying',
  'reconnecting',
  'disconnecting',
  'disconnected',
  'failed',
] as const;
export const ConnectionStateSchema = z.enum(connectionStates);
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

/** Stable error codes: scripts and the UI key on these, so never rename one. */
export const errorCodes = [
  'gateway-unreachable',
  'gateway-resolve-failed',
  'no-proposal-chosen',
  'group-psk-rejected',
  'unknown-group',
  'xauth-rejected',
  'xauth-unsupported',
  'modecfg-no-address',
  'phase2-rejected',
  'invalid-id',
  'peer-notified-error',
  'timeout',
  'peer-dead',
  'deleted-by-peer',
  'malformed-response',
  'credentials-missing',
  'config-invalid',
  'dataplane-failed',
  'network-config-failed',
  /** the privileged helper (issue 5) does not answer on its socket */
  'helper-unavailable',
  /** the privileged helper went away mid-session; the tunnel went with it */
  'helper-lost',
  /** the OS keychain holding the profile's secrets cannot be reached or refused */
  'keychain-unavailable',
  /** certificate authentication (issue 15): the gateway's certificate does not chain to the
   * profile's CA, is out of its validity period, or does not hold the profile's identity */
  'gateway-cert-untrusted',
  'gateway-cert-expired',
  /** a CRL of the profile's CRL file lists the gateway's certificate, or a CA above it */
  'gateway-cert-revoked',
  /** the profile requires a current CRL (crlRequired) and its CRL file has none for the
   * gateway's certificate, or a CA above it */
  'gateway-cert-revocation-unknown',
  'gateway-id-mismatch',
  /** the gateway refused our certificate or its signature */
  'client-cert-rejected',
  /** a certificate or key file of the profile cannot be used (missing, unreadable, wrong key or
   * passphrase) */
  'certificate-unusable',
  /** Cisco load balancing: the cluster sent us to one of its members (followed, not shown,
   * unless the redirects do not end) */
  'gateway-redirected',
  'cancelled',
  'internal',
] as const;
export const ErrorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const logLevels = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export const LogLevelSchema = z.enum(logLevels);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const phases = [
  'phase1',
  'xauth',
  'modecfg',
  'phase2',
  'informational',
  'dataplane',
  'network',
  'session',
] as const;
export const PhaseSchema = z.enum(phases);
export type Phase = z.infer<typeof PhaseSchema>;

const at = z.number().describe('ms since epoch');
const Ipv4NetSchema = z.object({ address: z.string(), prefix: z.number().int().min(0).max(32) });
/** an ESP SA's selector: IPv4, or IPv6 for the tunnel's IPv6 SA */
const IpNetSchema = z.object({ address: z.string(), prefix: z.number().int().min(0).max(128) });
const SplitEntrySchema = z.object({
  network: Ipv4NetSchema,
  protocol: z.number().int(),
  sourcePort: z.number().int(),
  destinationPort: z.number().int(),
});

export const StateEventSchema = z.object({
  type: z.literal('state'),
  at,
  state: ConnectionStateSchema,
  previous: ConnectionStateSchema,
  gateway: z.string(),
  virtualIp: z.string().optional(),
  detail: z.string().optional(),
});

export const IkeSaEventSchema = z.object({
  type: z.literal('sa'),
  kind: z.literal('ike'),
  at,
  initiatorCookie: z.string(),
  responderCookie: z.string(),
  encryption: z.string(),
  hash: z.string(),
  dhGroup: z.number().int(),
  authMethod: z.string(),
  lifetimeSeconds: z.number(),
  natT: z.object({
    mode: z.enum(['rfc3947', 'draft', 'none']),
    localBehindNat: z.boolean(),
    peerBehindNat: z.boolean(),
    forced: z.boolean(),
    localPort: z.number().int(),
    gatewayPort: z.number().int(),
  }),
  dpd: z.boolean(),
  peerVendorIds: z.array(z.string()),
  peerId: z.string(),
});

export const IpsecSaEventSchema = z.object({
  type: z.literal('sa'),
  kind: z.literal('ipsec'),
  at,
  id: z.string(),
  spiIn: z.string(),
  spiOut: z.string(),
  transform: z.string(),
  pfsGroup: z.number().int().optional(),
  lifetimeSeconds: z.number(),
  lifetimeKilobytes: z.number().optional(),
  localSelectors: z.array(IpNetSchema),
  remoteSelectors: z.array(IpNetSchema),
  rekeyCount: z.number().int(),
  status: z.enum(['installed', 'deleted']),
});

export const NetworkEventSchema = z.object({
  type: z.literal('network'),
  at,
  tunName: z.string(),
  mtu: z.number().int(),
  internalIp4: z.string().optional(),
  dns: z.array(z.string()),
  nbns: z.array(z.string()),
  defaultDomain: z.string().optional(),
  splitDns: z.array(z.string()),
  splitInclude: z.array(SplitEntrySchema),
  splitExclude: z.array(SplitEntrySchema),
  /** IPv6 in the tunnel (absent: the tunnel carries IPv4 only): the address, its DNS servers
   * and the IPv6 networks routed into the tunnel (empty: all of IPv6) */
  internalIp6: z.string().optional(),
  dns6: z.array(z.string()).optional(),
  splitInclude6: z.array(IpNetSchema).optional(),
  banner: z.string().optional(),
  savePasswordAllowed: z.boolean().optional(),
  /** Cisco Unity BACKUP_SERVERS: gateways for the next attempt when this one does not answer */
  backupServers: z.array(z.string()).optional(),
  changes: z.array(z.string()),
});

const CounterFields = {
  packetsIn: z.number(),
  bytesIn: z.number(),
  packetsOut: z.number(),
  bytesOut: z.number(),
  icvFailures: z.number(),
  replayDrops: z.number(),
  decryptErrors: z.number(),
  paddingErrors: z.number(),
  selectorDrops: z.number(),
  sendErrors: z.number(),
  lastInboundAt: z.number(),
  lastOutboundAt: z.number(),
};

export const CountersEventSchema = z.object({
  type: z.literal('counters'),
  at,
  sas: z.array(
    z.object({ saId: z.string(), spiIn: z.number(), spiOut: z.number(), ...CounterFields }),
  ),
  total: z.object({
    ...CounterFields,
    noSaDrops: z.number(),
    noRouteDrops: z.number(),
    receiveErrors: z.number(),
    malformedDrops: z.number(),
  }),
});

export const LogEventSchema = z.object({
  type: z.literal('log'),
  at,
  level: LogLevelSchema,
  phase: PhaseSchema,
  message: z.string(),
});

export const ErrorEventSchema = z.object({
  type: z.literal('error'),
  at,
  code: ErrorCodeSchema,
  message: z.string(),
  /** the state the connection was in when it failed (the stepper marks it) */
  failedAt: ConnectionStateSchema,
  fatal: z.boolean(),
  /** the gateway's message behind the error was authenticated (its HASH verified): only then
   * may a client act on it, e.g. drop a saved group key (absent: not known) */
  authenticated: z.boolean().optional(),
});

/** Stable warning codes: things that work but that a network engineer would point out. */
export const warningCodes = [
  /** aggressive mode with a group PSK: the group key is no secret, XAuth protects the user */
  'aggressive-mode-group-psk',
  /** main mode with a group PSK: hidden from the path, but every holder can pose as the gateway */
  'group-psk-shared',
  /** a weak algorithm or DH group was negotiated (the message names it) */
  'weak-algorithm',
  /** Quick Mode without PFS: one stolen phase 1 key exposes every ESP key under it */
  'pfs-off',
  /** a full tunnel whose DNS servers could not be set: names resolve outside the tunnel */
  'dns-not-set',
  /** a full tunnel whose IPv6 traffic could not be kept from leaving outside it */
  'ipv6-not-blocked',
  /** the gateway assigned an IPv6 address but refused its Quick Mode: the tunnel is IPv4 only */
  'ipv6-refused',
  /** the profile has a CRL file, but no current CRL in it covers the gateway's certificate */
  'revocation-unchecked',
] as const;
export const WarningCodeSchema = z.enum(warningCodes);
export type WarningCode = z.infer<typeof WarningCodeSchema>;

export const WarningEventSchema = z.object({
  type: z.literal('warning'),
  at,
  code: WarningCodeSchema,
  /** plain words for the user, complete in itself */
  message: z.string(),
});

/** Stable diagnosis codes (issue 14): what went wrong, named for the user and the help desk.
 * The engine's diagnosis table (app/engine/diagnosis/table.ts) gives each its cause and advice. */
export const diagnosisCodes = [
  'name-unresolved',
  'no-answer',
  'icmp-unreachable',
  'phase1-no-proposal',
  'group-psk-wrong',
  'unknown-group',
  'xauth-rejected',
  'no-address',
  'udp-4500-blocked',
  'phase2-refused',
  'esp-blocked',
  'peer-dead',
  'sas-deleted',
  'gateway-restarted',
  'network-setup-failed',
  'helper-unavailable',
  'keychain-unavailable',
  'auth-unsupported',
  'gateway-cert-untrusted',
  'gateway-cert-expired',
  'gateway-cert-revoked',
  'gateway-cert-revocation-unknown',
  'gateway-id-mismatch',
  'client-cert-rejected',
  'certificate-unusable',
  /** Cisco load balancing (issue 15 item 8): the cluster's members keep sending us on */
  'redirect-loop',
] as const;
export const DiagnosisCodeSchema = z.enum(diagnosisCodes);
export type DiagnosisCode = z.infer<typeof DiagnosisCodeSchema>;

/** The connection's one current diagnosis, raised while connecting, on failure or while
 * connected (esp-blocked); `cleared: true` withdraws it (the evidence went away). */
export const DiagnosisEventSchema = z.object({
  type: z.literal('diagnosis'),
  at,
  code: DiagnosisCodeSchema,
  /** one sentence in plain words */
  cause: z.string(),
  /** what was seen: unanswered messages and how often, notifications, silent counters */
  evidence: z.array(z.string()),
  /** what to try */
  next: z.string(),
  /** the step the fault is in: the desktop stepper marks it */
  phase: PhaseSchema,
  cleared: z.boolean(),
});

export const EngineEventSchema = z.union([
  StateEventSchema,
  IkeSaEventSchema,
  IpsecSaEventSchema,
  NetworkEventSchema,
  CountersEventSchema,
  LogEventSchema,
  ErrorEventSchema,
  WarningEventSchema,
  DiagnosisEventSchema,
]);

export type StateEvent = z.infer<typeof StateEventSchema>;
export type IkeSaEvent = z.infer<typeof IkeSaEventSchema>;
export type IpsecSaEvent = z.infer<typeof IpsecSaEventSchema>;
export type NetworkEvent = z.infer<typeof NetworkEventSchema>;
export type CountersEvent = z.infer<typeof CountersEventSchema>;
export type LogEvent = z.infer<typeof LogEventSchema>;
export type ErrorEvent = z.infer<typeof ErrorEventSchema>;
export type WarningEvent = z.infer<typeof WarningEventSchema>;
export type DiagnosisEvent = z.infer<typeof DiagnosisEventSchema>;
export type EngineEvent = z.infer<typeof EngineEventSchema>;
