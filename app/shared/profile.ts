// A connection profile: what a user or an IT admin configures. Validated at every boundary
// (CLI flags, profile files, the renderer's IPC); secrets are never part of it.
import { z } from 'zod';
import { DH_GROUP_NAMES } from './algorithms.js';

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 network like 10.1.0.0/16');

/** strongSwan-style proposal strings: familiar to network people, e.g. aes256-sha256-modp2048. */
export const IkeProposalString = z
  .string()
  .regex(
    new RegExp(
      `^(aes(128|192|256)|3des)-(md5|sha1|sha256|sha384|sha512)-(${DH_GROUP_NAMES.join('|')})$`,
    ),
    'IKE proposal must look like aes256-sha256-modp2048',
  );
export const EspProposalString = z
  .string()
  .regex(
    /^(aes(128|256)gcm16|(aes(128|192|256)|3des)-(md5|sha1|sha256|sha384|sha512))$/,
    'ESP proposal must look like aes256gcm16 or aes128-sha1',
  );

/** Modern only: AES with SHA-2, MODP-2048 or ECP (one aggressive-mode offer per group, tried in
 * order). 3DES, MD5, SHA-1 and MODP-1024/1536 need a profile that lists them or `legacy: true`
 * (app/shared/algorithms.ts). */
export const DEFAULT_IKE_PROPOSALS = [
  'aes256-sha256-modp2048',
  'aes128-sha256-modp2048',
  'aes256-sha384-modp2048',
  'aes256-sha256-ecp256',
  'aes128-sha256-ecp256',
  'aes256-sha384-ecp384',
] as const;

export const DEFAULT_ESP_PROPOSALS = [
  'aes256gcm16',
  'aes128gcm16',
  'aes256-sha256',
  'aes128-sha256',
] as const;

/** Dead peer detection by default (RFC 3706 leaves the timers to the implementation): probe
 * after 10 s without a word from the gateway, as Cisco ASA's default keepalive threshold
 * (`isakmp keepalive threshold 10 retry 2`); give up after 4 unanswered probes 5 s apart
 * (app/engine/exchanges/dpd.ts), so a silent dead gateway is named within 35 s (issue 14)
 * even on an idle tunnel, and 20 s of silence tolerates a lossy path. */
export const DPD_DEFAULTS = { delaySeconds: 10, retries: 4 } as const;
/** Probes after the first come at most this far apart, so a dead gateway is noticed promptly. */
const DPD_MAX_RETRY_INTERVAL_SECONDS = 5;

/** The time between unanswered probes (and how long unanswered traffic waits for one). */
export function dpdRetrySeconds(delaySeconds: number): number {
  return Math.min(delaySeconds, DPD_MAX_RETRY_INTERVAL_SECONDS);
}

/** Seconds of silence from the gateway before it is declared dead: the first probe after
 * `delaySeconds`, then `retries` probe intervals. */
export function dpdGiveUpSeconds(delaySeconds: number, retries: number): number {
  return delaySeconds + retries * dpdRetrySeconds(delaySeconds);
}

/** The probe delay that gives up after `giveUpSeconds` with `retries` probes (the inverse of
 * dpdGiveUpSeconds, rounded), for formats that state only the total (a .pcf's PeerTimeout). */
export function dpdDelayForGiveUp(giveUpSeconds: number, retries: number): number {
  const longRetries = retries * DPD_MAX_RETRY_INTERVAL_SECONDS;
  return giveUpSeconds >= longRetries + DPD_MAX_RETRY_INTERVAL_SECONDS
    ? giveUpSeconds - longRetries
    : Math.round(giveUpSeconds / (retries + 1));
}

/** Phase 1 authentication methods: group key (RFC 2409 5.4) with or without XAuth
 * (draft-ietf-ipsec-isakmp-xauth-06), RSA signatures both ways plus XAuth (RFC 2409 5.1),
 * certificates alone (RFC 2409 5.1 RSA signatures, or ECDSA by the client key's curve, RFC 4754
 * 4: no XAuth method exists with ECDSA), and hybrid (draft-ietf-ipsec-isakmp-hybrid-auth: the
 * gateway signs, the user answers XAuth). */
export const AUTH_METHOD_NAMES = [
  'xauth-psk',
  'psk',
  'xauth-rsa',
  'certificate',
  'hybrid',
] as const;
export type AuthMethodName = (typeof AUTH_METHOD_NAMES)[number];

/** What each method needs: a group key, XAuth, our certificate, the gateway's certificate. */
export const AUTH_METHODS: Record<
  AuthMethodName,
  { label: string; groupKey: boolean; xauth: boolean; ourCertificate: boolean }
> = {
  'xauth-psk': { label: 'XAUTH-PSK', groupKey: true, xauth: true, ourCertificate: false },
  psk: { label: 'PSK', groupKey: true, xauth: false, ourCertificate: false },
  'xauth-rsa': { label: 'XAUTH-RSA', groupKey: false, xauth: true, ourCertificate: true },
  // the label of an RSA client key; an EC key's method is named by its curve (ECDSA-256, ...)
  certificate: { label: 'RSA-SIG', groupKey: false, xauth: false, ourCertificate: true },
  hybrid: { label: 'HYBRID-RSA', groupKey: false, xauth: true, ourCertificate: false },
};

const hostName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .regex(/^[A-Za-z0-9.:-]+$/, `${what} must be a host name or an IP address`);

/** What a profile configures: each of these fields can be locked by an admin. */
const ProfileSettingsSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(64),
  description: z.string().max(255).optional(),
  gateway: hostName('gateway'),
  /** tried in order when the gateway (then the previous backup) does not answer */
  backupGateways: z.array(hostName('backup gateway')).max(10).default([]),
  group: z.string().min(1, 'group name is required').max(255),
  username: z.string().max(255).optional(),
  /** the XAuth password is a one-time token code (RSA SecurID, TOTP, SMS), not a static
   * password: never saved, reused or replayed; every connect, reconnect and re-authentication
   * asks */
  tokenCode: z.boolean().default(false),
  idType: z.enum(['key-id', 'fqdn', 'user-fqdn', 'ipv4', 'ipv6']).default('key-id'),
  authMethod: z.enum(AUTH_METHOD_NAMES).default('xauth-psk'),
  /** the client certificate for xauth-rsa and certificate: PEM, or PKCS#12 (recognised by its
   * content), which carries the key too, so privateKeyFile may be left out */
  certificateFile: z
    .string()
    .startsWith('/', 'certificateFile must be an absolute path')
    .optional(),
  /** the client certificate's private key (PEM or PKCS#12, may be encrypted: its passphrase is
   * a secret); from certificateFile when absent */
  privateKeyFile: z.string().startsWith('/', 'privateKeyFile must be an absolute path').optional(),
  /** the CA certificate(s) (PEM) the gateway's certificate must chain to (xauth-rsa, hybrid) */
  caFile: z.string().startsWith('/', 'caFile must be an absolute path').optional(),
  /** CRLs (RFC 5280 5) of the gateway certificate's CAs, PEM or one DER CRL: a certificate of
   * the gateway's chain that one lists is refused; without a current CRL from its issuer, the
   * connection is made with a warning */
  crlFile: z.string().startsWith('/', 'crlFile must be an absolute path').optional(),
  /** with crlFile: refuse the gateway when no current CRL covers a certificate of its chain,
   * instead of connecting with a warning (strongSwan's strictcrlpolicy) */
  crlRequired: z.boolean().default(false),
  /** the identity the gateway's certificate must hold (SAN DNS name or IP); the gateway's host
   * name or address when absent */
  gatewayId: z.string().trim().min(1).max(255).optional(),
  /** phase 1 exchange (RFC 2409 5): aggressive (Cisco-style group PSK) or main (identities
   * encrypted; FortiGate dial-up, Libreswan xauth-psk) */
  exchange: z.enum(['aggressive', 'main']).default('aggressive'),
  ikeProposals: z
    .array(IkeProposalString)
    .min(1)
    .default([...DEFAULT_IKE_PROPOSALS]),
  espProposals: z
    .array(EspProposalString)
    .min(1)
    .default([...DEFAULT_ESP_PROPOSALS]),
  natTraversal: z.enum(['force', 'auto', 'disabled']).default('force'),
  dpdDelaySeconds: z.number().int().min(0).max(3600).default(DPD_DEFAULTS.delaySeconds),
  dpdRetries: z.number().int().min(1).max(20).default(DPD_DEFAULTS.retries),
  /** auto: as the gateway's Mode Config says (on the phase 1 group); else off or a DH group */
  pfs: z.enum(['auto', 'off', ...DH_GROUP_NAMES]).default('auto'),
  /** Mode Config (draft-dukes-ike-mode-cfg 3.2): pull asks with a CFG_REQUEST (a CFG_SET the
   * gateway pushes as well is taken too); push only waits for the gateway's CFG_SET */
  modeConfig: z.enum(['pull', 'push']).default('pull'),
  /** IPv6 inside the tunnel: auto asks Mode Config for an IPv6 address (draft-dukes-ike-mode-cfg
   * 3.3) and, when the gateway gives one, negotiates a second ESP SA for IPv6; off keeps the
   * tunnel IPv4 only */
  ipv6: z.enum(['auto', 'off']).default('auto'),
  ikeLifetimeSeconds: z.number().int().min(60).max(86400).default(28800),
  ipsecLifetimeSeconds: z.number().int().min(10).max(86400).default(3600),
  ipsecLifetimeKilobytes: z.number().int().min(1024).optional(),
  mtu: z.number().int().min(576).max(1500).optional(),
  tunName: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,14}$/, 'interface name: lowercase letters and digits, at most 15')
    .default('rw0'),
  script: z
    .union([z.literal('builtin'), z.string().startsWith('/', 'script must be an absolute path')])
    .default('builtin'),
  splitTunnelOverride: z.array(cidr).optional(),
  gatewayPort: z.number().int().min(1).max(65535).default(500),
  gatewayNattPort: z.number().int().min(1).max(65535).default(4500),
  /** also offer 3DES, MD5, SHA-1 and MODP-1024/1536 (after the profile's own proposals) */
  legacy: z.boolean().default(false),
  /** while connecting, connected or reconnecting, traffic leaves only through the tunnel */
  lockdown: z.boolean().default(false),
});

/** The profile file format. Version 1 files (no `version`) predate backup gateways, locked
 * fields and importedFrom; migrateProfile brings them up to this one. */
export const PROFILE_VERSION = 2;

export const LockableFieldSchema = ProfileSettingsSchema.keyof();
export type LockableField = z.infer<typeof LockableFieldSchema>;

export const ImportedFromSchema = z.object({
  format: z.enum(['pcf', 'vpn', 'json']),
  /** the imported file's name, without its directory */
  file: z.string().max(255),
  /** ISO 8601 time of the import */
  at: z.iso.datetime(),
});
export type ImportedFrom = z.infer<typeof ImportedFromSchema>;

export const ProfileSchema = ProfileSettingsSchema.extend({
  version: z
    .literal(PROFILE_VERSION, {
      error: `this Roadwarrior reads profile versions 1 to ${PROFILE_VERSION}: a newer one wrote this file`,
    })
    .default(PROFILE_VERSION),
  /** fields the user may not change (a `!` field in a .pcf, or set by an admin) */
  locked: z.array(LockableFieldSchema).default([]),
  importedFrom: ImportedFromSchema.optional(),
});

/** A profile file: the same fields, and nothing else (a misspelt key is an error, not a
 * setting silently dropped). */
export const ProfileFileSchema = ProfileSchema.strict();

/** A profile file's content brought to PROFILE_VERSION, for ProfileSchema to validate: version
 * 1 has the same fields as 2 minus the new ones, which all have defaults. */
export function migrateProfile(document: unknown): unknown {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return document;
  const record = document as Record<string, unknown>;
  return record.version === undefined || record.version === 1
    ? { ...record, version: PROFILE_VERSION }
    : record;
}

/** The profile file's JSON Schema, from zod's own export: what an admin's tools validate with. */
export function profileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ProfileFileSchema, { io: 'input' }) as Record<string, unknown>;
}

export type ProfileInput = z.input<typeof ProfileSchema>;
export type Profile = z.output<typeof ProfileSchema>;

/** The file holding our private key, whose passphrase is the key-passphrase secret:
 * privateKeyFile, else the certificate file of a method that sends ours (a PKCS#12 one carries
 * the key). */
export function clientKeyFile(
  profile: Pick<Profile, 'authMethod' | 'certificateFile' | 'privateKeyFile'>,
): string | undefined {
  if (profile.privateKeyFile) return profile.privateKeyFile;
  return AUTH_METHODS[profile.authMethod].ourCertificate ? profile.certificateFile : undefined;
}
