// The privileged helper's wire protocol: one schema for both ends (the helper client in the
// app, the helper itself). Each frame is a 4-byte big-endian length and that many bytes of
// UTF-8 JSON over a Unix domain socket; every frame carries the protocol version `v`.
// Buffers cross as base64. The schemas are codecs: `decode` gives Buffers, `encode` gives the
// JSON-ready wire form, and both validate.
import { z } from 'zod';
import type { DataPlaneCounters } from './counters.js';
import type { AppliedNetwork, DataPlaneEvent, OpenIkeOptions } from './dataplane-port.js';
import type { EspSaPair } from './esp-sa.js';
import { CountersEventSchema, WarningCodeSchema } from './events.js';
import { Ipv4NetSchema, Ipv6NetSchema, ModeConfigResultSchema } from './mode-config-attributes.js';

/** an ESP SA's selector: IPv4, or IPv6 for a dual-stack tunnel's second SA */
const IpNetSchema = z.union([Ipv4NetSchema, Ipv6NetSchema]);
import type { NetworkSetup } from './network-setup.js';

export const HELPER_PROTOCOL_VERSION = 1;
/** largest frame body either side accepts; an IKE packet (<= 64 KiB) fits after base64 */
export const MAX_FRAME_BYTES = 256 * 1024;
export const FRAME_HEADER_BYTES = 4;
/** where the packaged helper listens (systemd socket unit, pkexec wrapper) */
export const DEFAULT_HELPER_SOCKET_PATH = '/run/roadwarrior/helper.sock';

/** Codes the helper itself answers with; data-plane failures pass their own code through. */
export const helperErrorCodes = [
  'unsupported-version',
  'malformed',
  'frame-too-large',
  'forbidden',
  'no-tunnel',
  'tunnel-open',
  'tunnel-name-in-use',
  'port-refused',
  'script-refused',
  'gateway-refused',
  'already-configured',
  'routes-in-use',
  'too-many-tunnels',
  'failed',
] as const;
export type HelperErrorCode = (typeof helperErrorCodes)[number];

const MAX_KEY_BYTES = 64;
const MAX_IKE_PACKET_BYTES = 65535;
const MAX_LIST = 256;

function base64Bytes(maxBytes: number) {
  return z.codec(z.base64().max(Math.ceil(maxBytes / 3) * 4), z.instanceof(Buffer), {
    decode: (text) => Buffer.from(text, 'base64'),
    encode: (bytes) => bytes.toString('base64'),
  });
}

const port = z.number().int().min(0).max(65535);
const gatewayPort = port.min(1);
const ipAddress = z.union([z.ipv4(), z.ipv6()]);
const uint32 = z.number().int().min(0).max(0xffffffff);
const tunnelId = z.number().int().positive();
const requestId = z.number().int().nonnegative();
const shortText = z.string().max(256);
const tunName = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,14}$/, 'lowercase letters and digits, at most 15');

export const IkeLegSchema = z.enum(['ike', 'natt']);

export const OpenIkeOptionsSchema = z.strictObject({
  gateway: ipAddress,
  gatewayPort: gatewayPort.optional(),
  gatewayNattPort: gatewayPort.optional(),
  localPort: port.optional(),
  localNattPort: port.optional(),
  lockdown: z
    .strictObject({
      tunName,
    })
    .optional(),
}) satisfies z.ZodType<OpenIkeOptions>;

export const NetworkSetupSchema = z.strictObject({
  tunName,
  mtu: z.number().int().min(576).max(9000),
  gateway: ipAddress,
  config: ModeConfigResultSchema,
  script: z.union([
    z.literal('builtin'),
    z.literal('none'),
    z.strictObject({ path: z.string().startsWith('/').max(4096) }),
  ]),
  skipDns: z.boolean().optional(),
}) satisfies z.ZodType<NetworkSetup>;

const EspDirectionKeysSchema = z.strictObject({
  spi: uint32,
  encryptionKey: base64Bytes(MAX_KEY_BYTES),
  integrityKey: base64Bytes(MAX_KEY_BYTES),
  salt: base64Bytes(MAX_KEY_BYTES),
});

export const EspSaPairSchema = z.strictObject({
  id: shortText.min(1),
  encryption: z.enum(['aes-gcm-16', 'aes-cbc', '3des-cbc']),
  keyBits: z.number().int().min(64).max(512),
  integrity: z.enum([
    'hmac-sha1-96',
    'hmac-sha256-128',
    'hmac-sha384-192',
    'hmac-sha512-256',
    'hmac-md5-96',
    'none',
  ]),
  inbound: EspDirectionKeysSchema,
  outbound: EspDirectionKeysSchema,
  lifetime: z.strictObject({
    seconds: z.number().nonnegative(),
    kilobytes: z.number().nonnegative().optional(),
  }),
  selectors: z.strictObject({
    local: z.array(IpNetSchema).max(MAX_LIST),
    remote: z.array(IpNetSchema).max(MAX_LIST),
  }),
  replayWindow: z
    .number()
    .int()
    .min(0)
    .max(1 << 16),
}) satisfies z.ZodType<EspSaPair>;

const AppliedNetworkSchema = z.strictObject({
  tunName: z.string(),
  mtu: z.number().int(),
  changes: z.array(z.string()),
  warnings: z
    .array(z.strictObject({ code: WarningCodeSchema, message: z.string().max(1024) }))
    .max(8)
    .optional(),
}) satisfies z.ZodType<AppliedNetwork>;

const DataPlaneCountersSchema = CountersEventSchema.omit({
  type: true,
}) satisfies z.ZodType<DataPlaneCounters>;

export const DataPlaneEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('counters'), counters: DataPlaneCountersSchema }),
  z.strictObject({
    type: z.literal('log'),
    level: z.enum(['error', 'info', 'debug', 'trace']),
    message: z.string(),
  }),
  z.strictObject({ type: z.literal('failure'), code: z.string(), message: z.string() }),
  z.strictObject({ type: z.literal('rekey-needed'), saId: z.string(), reason: z.string() }),
  z.strictObject({ type: z.literal('sa-expired'), saId: z.string(), reason: z.string() }),
]) satisfies z.ZodType<DataPlaneEvent>;

const version = z.literal(HELPER_PROTOCOL_VERSION);

/** client -> helper. Every method but `send` is a request the helper answers by `id`; `send`
 * (one IKE packet) is one-way so the IKE path costs no round trip. */
export const ClientFrameSchema = z.discriminatedUnion('method', [
  z.strictObject({
    v: version,
    id: requestId,
    method: z.literal('openIke'),
    options: OpenIkeOptionsSchema,
  }),
  z.strictObject({
    v: version,
    method: z.literal('send'),
    tunnel: tunnelId,
    leg: IkeLegSchema,
    packet: base64Bytes(MAX_IKE_PACKET_BYTES),
  }),
  z.strictObject({
    v: version,
    id: requestId,
    method: z.literal('setKeepalive'),
    tunnel: tunnelId,
    intervalSeconds: z.number().int().min(0).max(3600),
  }),
  z.strictObject({
    v: version,
    id: requestId,
    method: z.literal('installSa'),
    tunnel: tunnelId,
    sa: EspSaPairSchema,
  }),
  z.strictObject({
    v: version,
    id: requestId,
    method: z.literal('removeSa'),
    tunnel: tunnelId,
    saId: shortText,
  }),
  z.strictObject({
    v: version,
    id: requestId,
    method: z.literal('configureNetwork'),
    tunnel: tunnelId,
    setup: NetworkSetupSchema,
  }),
  z.strictObject({
    v: version,
    id: requestId,
    method: z.literal('deconfigureNetwork'),
    tunnel: tunnelId,
  }),
  z.strictObject({ v: version, id: requestId, method: z.literal('close'), tunnel: tunnelId }),
  /** this connection keeps the lockdown of `tunName` standing between its owner's tunnels
   * (DataPlanePort.holdLockdown) until releaseLockdown or until the connection goes away */
  z.strictObject({ v: version, id: requestId, method: z.literal('holdLockdown'), tunName }),
  z.strictObject({ v: version, id: requestId, method: z.literal('releaseLockdown') }),
]);

/** helper -> client: answers (opened, applied, done, error) and pushed events (packet, event,
 * liveness). */
export const HelperFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({
    v: version,
    type: z.literal('opened'),
    id: requestId,
    tunnel: tunnelId,
    localAddress: z.string(),
    localPort: port,
    localNattPort: port,
  }),
  z.strictObject({
    v: version,
    type: z.literal('applied'),
    id: requestId,
    applied: AppliedNetworkSchema,
  }),
  z.strictObject({ v: version, type: z.literal('done'), id: requestId }),
  z.strictObject({
    v: version,
    type: z.literal('error'),
    /** null when the offending frame had no readable id */
    id: requestId.nullable(),
    code: z.string().max(64),
    message: z.string(),
  }),
  z.strictObject({
    v: version,
    type: z.literal('packet'),
    leg: IkeLegSchema,
    packet: base64Bytes(MAX_IKE_PACKET_BYTES),
  }),
  z.strictObject({ v: version, type: z.literal('event'), event: DataPlaneEventSchema }),
  /** the data plane's lastInboundAt (ESP counts too), pushed when it moves: DPD liveness */
  z.strictObject({ v: version, type: z.literal('liveness'), lastInboundAt: z.number() }),
]);

export type ClientFrame = z.output<typeof ClientFrameSchema>;
export type HelperFrame = z.output<typeof HelperFrameSchema>;
export type ClientRequest = Exclude<ClientFrame, { method: 'send' }>;
/** a frame union without its envelope fields (`v`, `id`), which the sending side fills in */
export type WithoutEnvelope<F, K extends 'v' | 'id'> = F extends unknown ? Omit<F, K> : never;

export type DecodedFrame<T> =
  | { ok: true; frame: T }
  | { ok: false; id: number | null; code: 'unsupported-version' | 'malformed'; message: string };

/** Parses one frame body. The version is checked first so a peer speaking another version
 * gets that reason rather than a list of schema complaints. */
export function decodeFrame<S extends z.ZodType>(
  schema: S,
  body: string,
): DecodedFrame<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, id: null, code: 'malformed', message: 'frame is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, id: null, code: 'malformed', message: 'frame is not a JSON object' };
  }
  const { v, id } = json as { v?: unknown; id?: unknown };
  const replyId = requestId.safeParse(id).data ?? null;
  if (v !== HELPER_PROTOCOL_VERSION) {
    return {
      ok: false,
      id: replyId,
      code: 'unsupported-version',
      message: `protocol version ${JSON.stringify(v)} is not supported (this side speaks version ${HELPER_PROTOCOL_VERSION})`,
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, id: replyId, code: 'malformed', message: z.prettifyError(parsed.error) };
  }
  return { ok: true, frame: parsed.data };
}

/** The JSON text of one frame, validated against its schema on the way out. */
export function encodeFrame<S extends z.ZodType>(schema: S, frame: z.output<S>): string {
  return JSON.stringify(z.encode(schema, frame));
}
