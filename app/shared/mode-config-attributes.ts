// Mode Config (draft-dukes-ike-mode-cfg) and Cisco Unity attributes, declared once: their
// numbers, and for each attribute we ask for and read, the ModeConfigResult field it fills and
// the kind of value it carries. The engine's request list and decoder, the result's type and
// the helper protocol's schema all derive from MODE_CONFIG_ATTRIBUTES, so supporting one more
// attribute is one row here (plus a decoder if its kind is new).
import { z } from 'zod';
import type { SplitEntry } from './net.js';

/** draft-dukes-ike-mode-cfg 3.2 and 3.3 (Mode Config attribute types). */
export const ModeCfgAttr = {
  InternalIp4Address: 1,
  InternalIp4Netmask: 2,
  InternalIp4Dns: 3,
  InternalIp4Nbns: 4,
  InternalAddressExpiry: 5,
  InternalIp4Dhcp: 6,
  ApplicationVersion: 7,
  InternalIp6Address: 8,
  InternalIp6Netmask: 9,
  InternalIp6Dns: 10,
  InternalIp6Nbns: 11,
  InternalIp6Dhcp: 12,
  InternalIp4Subnet: 13,
  SupportedAttributes: 14,
  InternalIp6Subnet: 15,
} as const;

/** Cisco Unity attributes (vendor range 28672.., as Cisco clients and gateways number them;
 * the names follow Cisco's MODECFG_* / UNITY_* constants). */
export const UnityAttr = {
  Banner: 28672,
  SavePasswd: 28673,
  DefDomain: 28674,
  SplitDnsName: 28675,
  SplitInclude: 28676,
  NattPort: 28677,
  LocalLan: 28678,
  Pfs: 28679,
  FwType: 28680,
  BackupServers: 28681,
  DdnsHostname: 28682,
} as const;

/** Bytes per Unity SPLIT_INCLUDE / LOCAL_LAN entry: addr 4, mask 4, protocol 2, sport 2, dport 2. */
export const UNITY_SPLIT_ENTRY_LENGTH = 14;

/** How much of what a gateway sends a network set-up carries: the engine trims to these, the
 * helper refuses more. */
export const MODE_CONFIG_LIMITS = {
  /** entries per list (DNS, WINS, split networks, split-DNS names, backup servers) */
  listEntries: 256,
  bannerChars: 16 * 1024,
  /** one backup server name */
  textChars: 256,
} as const;

/** A DNS name we pass on (RFC 1035 2.3.1 labels, plus '_' which real networks use): no spaces,
 * quotes or newlines that could smuggle lines into resolv.conf or a script's environment. */
export const DNS_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export const Ipv4NetSchema = z.strictObject({
  address: z.ipv4(),
  prefix: z.number().int().min(0).max(32),
});
export const Ipv6NetSchema = z.strictObject({
  address: z.ipv6(),
  prefix: z.number().int().min(0).max(128),
});
const port = z.number().int().min(0).max(65535);
const domainName = z.string().regex(DNS_NAME, 'a DNS name');

/** The kinds of value an attribute carries: what one value is, as a schema, and whether the
 * field collects a list (from repeated attributes or a list inside one). */
export const ATTRIBUTE_KINDS = {
  /** 4 bytes */
  ipv4: { list: false, schema: z.ipv4() },
  /** 4 bytes, the attribute repeated for each address (3.3) */
  'ipv4-list': { list: true, schema: z.ipv4() },
  /** 16 bytes (draft-dukes-ike-mode-cfg 3.3); 17 from gateways that append a prefix length
   * as IKEv2 does (RFC 7296 3.15.1), strongSwan's IKEv1 among them */
  ipv6: { list: false, schema: z.ipv6() },
  /** 16 bytes, the attribute repeated for each address (3.3) */
  'ipv6-list': { list: true, schema: z.ipv6() },
  /** 17 bytes each: address and prefix length (3.3 INTERNAL_IP6_SUBNET) */
  'ipv6-networks': { list: true, schema: Ipv6NetSchema },
  /** an unsigned number (TV, or TLV of up to 4 bytes) */
  seconds: { list: false, schema: z.number().int().nonnegative() },
  /** a number, 0 meaning no */
  flag: { list: false, schema: z.boolean() },
  /** text, a trailing NUL dropped (Cisco sends C strings) */
  text: { list: false, schema: z.string().max(MODE_CONFIG_LIMITS.bannerChars) },
  'dns-name': { list: false, schema: domainName },
  /** text: names separated by commas or spaces */
  'dns-names': { list: true, schema: domainName },
  'host-names': { list: true, schema: z.string().max(MODE_CONFIG_LIMITS.textChars) },
  /** UNITY_SPLIT_ENTRY_LENGTH bytes per network */
  'split-networks': {
    list: true,
    schema: z.strictObject({
      network: Ipv4NetSchema,
      protocol: z.number().int().min(0).max(255),
      sourcePort: port,
      destinationPort: port,
    }) satisfies z.ZodType<SplitEntry>,
  },
} as const;
export type AttributeKind = keyof typeof ATTRIBUTE_KINDS;

interface AttributeRow {
  type: number;
  field: string;
  kind: AttributeKind;
  /** where the attribute is specified */
  ref: string;
  /** asked for only when the profile lets IPv6 into the tunnel */
  ipv6?: true;
}

/** Every attribute a remote-access client asks for (with empty values, 3.2) and reads. */
export const MODE_CONFIG_ATTRIBUTES = [
  {
    type: ModeCfgAttr.InternalIp4Address,
    field: 'internalIp4',
    kind: 'ipv4',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
  },
  {
    type: ModeCfgAttr.InternalIp4Netmask,
    field: 'internalIp4Netmask',
    kind: 'ipv4',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
  },
  {
    type: ModeCfgAttr.InternalIp4Dns,
    field: 'dns',
    kind: 'ipv4-list',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
  },
  {
    type: ModeCfgAttr.InternalIp4Nbns,
    field: 'nbns',
    kind: 'ipv4-list',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
  },
  {
    type: ModeCfgAttr.InternalIp6Address,
    field: 'internalIp6',
    kind: 'ipv6',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
    ipv6: true,
  },
  {
    type: ModeCfgAttr.InternalIp6Dns,
    field: 'dns6',
    kind: 'ipv6-list',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
    ipv6: true,
  },
  {
    // the IPv6 networks behind the gateway: the IPv6 split list (none: all of IPv6)
    type: ModeCfgAttr.InternalIp6Subnet,
    field: 'splitInclude6',
    kind: 'ipv6-networks',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
    ipv6: true,
  },
  {
    type: ModeCfgAttr.InternalAddressExpiry,
    field: 'addressExpirySeconds',
    kind: 'seconds',
    ref: 'draft-dukes-ike-mode-cfg 3.3',
  },
  { type: UnityAttr.Banner, field: 'banner', kind: 'text', ref: 'Cisco Unity MODECFG_BANNER' },
  {
    // may the client store the XAuth password
    type: UnityAttr.SavePasswd,
    field: 'savePassword',
    kind: 'flag',
    ref: 'Cisco Unity MODECFG_SAVEPASSWD',
  },
  {
    type: UnityAttr.DefDomain,
    field: 'defaultDomain',
    kind: 'dns-name',
    ref: 'Cisco Unity MODECFG_DEFDOMAIN',
  },
  {
    type: UnityAttr.SplitDnsName,
    field: 'splitDns',
    kind: 'dns-names',
    ref: 'Cisco Unity MODECFG_SPLITDNSNAME',
  },
  {
    type: UnityAttr.SplitInclude,
    field: 'splitInclude',
    kind: 'split-networks',
    ref: 'Cisco Unity MODECFG_SPLITINC',
  },
  {
    // networks that stay outside the tunnel
    type: UnityAttr.LocalLan,
    field: 'splitExclude',
    kind: 'split-networks',
    ref: 'Cisco Unity UNITY_LOCAL_LAN',
  },
  {
    // the gateway wants PFS in Quick Mode
    type: UnityAttr.Pfs,
    field: 'pfs',
    kind: 'flag',
    ref: 'Cisco Unity MODECFG_PFS',
  },
  {
    type: UnityAttr.BackupServers,
    field: 'backupServers',
    kind: 'host-names',
    ref: 'Cisco Unity UNITY_BACKUP_SERVERS',
  },
] as const satisfies readonly AttributeRow[];

type Row = (typeof MODE_CONFIG_ATTRIBUTES)[number];
type ValueOf<K extends AttributeKind> = z.output<(typeof ATTRIBUTE_KINDS)[K]['schema']>;
type IsList<K extends AttributeKind> = (typeof ATTRIBUTE_KINDS)[K]['list'];

/** What Mode Config gave us: a list field for each list kind (empty when not sent), an
 * optional field for the others (gateways answer only what they have). */
export type ModeConfigResult = {
  [R in Row as IsList<R['kind']> extends true ? R['field'] : never]: ValueOf<R['kind']>[];
} & {
  [R in Row as IsList<R['kind']> extends true ? never : R['field']]?: ValueOf<R['kind']>;
};

export type ModeConfigField = Row['field'];
export type ListField = keyof {
  [R in Row as IsList<R['kind']> extends true ? R['field'] : never]: true;
};

/** A result with every list empty and nothing else: what folding attributes starts from. */
export function emptyModeConfig(): ModeConfigResult {
  const result: Record<string, unknown> = {};
  for (const row of MODE_CONFIG_ATTRIBUTES)
    if (ATTRIBUTE_KINDS[row.kind].list) result[row.field] = [];
  return result as ModeConfigResult;
}

/** The helper protocol's check of a ModeConfigResult: each field's kind, lists bounded. */
export const ModeConfigResultSchema = z.strictObject(
  Object.fromEntries(
    MODE_CONFIG_ATTRIBUTES.map(({ field, kind }) => {
      const { list, schema } = ATTRIBUTE_KINDS[kind];
      return [
        field,
        list ? z.array(schema).max(MODE_CONFIG_LIMITS.listEntries) : schema.optional(),
      ];
    }),
  ),
) as unknown as z.ZodType<ModeConfigResult>;
