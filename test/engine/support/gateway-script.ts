// What the gateway double says in XAuth and Mode Config, as a test scripts it: the XAuth rounds
// it plays (what each asks, the message it shows, the answers it takes) and whether it waits
// to be asked for Mode Config or pushes it (draft-dukes-ike-mode-cfg 3.2: REQUEST/REPLY or
// SET/ACK). Attribute numbers and fields come from app/shared, as the engine's do.
import { ipv4ToInt } from '../../../app/shared/net.js';
import { ipv6ToBytes } from '../../../app/shared/net6.js';
import {
  ModeCfgAttr,
  UNITY_SPLIT_ENTRY_LENGTH,
  UnityAttr,
} from '../../../app/shared/mode-config-attributes.js';
import {
  XauthAttr,
  type XauthField,
  XauthType,
  xauthFieldRow,
} from '../../../app/shared/xauth-fields.js';
import {
  type DataAttribute,
  attributeBytes,
  findAttribute,
  tlv,
  tv,
} from '../../../app/engine/wire/attributes.js';

/** One XAuth round: a CFG_REQUEST asking for `ask`, then the gateway checks the answers. */
export interface XauthRound {
  ask: XauthField[];
  /** XAUTH_TYPE (draft-ietf-ipsec-isakmp-xauth-06 6.1); default generic */
  xauthType?: number;
  /** XAUTH_MESSAGE: what the user is told (alone, with no field asked: to acknowledge) */
  message?: string;
  /** the value each field must have; a field not named here takes any value */
  expect?: Partial<Record<XauthField, string>>;
}

/** How the gateway hands out Mode Config: 'pull' answers our REQUEST; 'push' sends a SET after
 * XAuth and never answers a REQUEST; 'push-after-pull' answers the REQUEST, then pushes too. */
export type ModeConfigStyle = 'pull' | 'push' | 'push-after-pull';

/** The gateway's Mode Config for us. */
export interface ModeConfigValues {
  virtualIp: string;
  netmask?: string;
  dns?: string[];
  banner?: string;
  defaultDomain?: string;
  splitInclude?: { address: string; prefix: number }[];
  /** Cisco Unity PFS */
  pfs?: boolean;
  /** Cisco Unity backup servers, as the gateway lists them */
  backupServers?: string[];
  /** Cisco Unity SAVE_PASSWD: true sends 1, false sends 0, absent sends nothing */
  savePassword?: boolean;
  /** INTERNAL_IP6_ADDRESS, sent as strongSwan does: the address and a prefix length byte */
  virtualIp6?: string;
  dns6?: string[];
}

/** The usual single round: username and password. */
export function passwordRound(username: string, password: string): XauthRound {
  return { ask: ['username', 'password'], expect: { username, password } };
}

/** The CFG_REQUEST attributes of a round: XAUTH_TYPE, the message, each field empty. */
export function xauthRoundAttributes(round: XauthRound): DataAttribute[] {
  return [
    tv(XauthAttr.Type, round.xauthType ?? XauthType.Generic),
    ...(round.message !== undefined ? [tlv(XauthAttr.Message, Buffer.from(round.message))] : []),
    ...round.ask.map((field) => tlv(xauthFieldRow(field).type, Buffer.alloc(0))),
  ];
}

/** The answers of a CFG_REPLY by field, and whether they are what the round expects: every
 * field asked answered, each expected value exact. */
export function xauthAnswers(
  round: XauthRound,
  reply: DataAttribute[],
): { answers: Partial<Record<XauthField, string>>; accepted: boolean } {
  const answers: Partial<Record<XauthField, string>> = {};
  for (const field of round.ask) {
    const attr = findAttribute(reply, xauthFieldRow(field).type);
    if (attr) answers[field] = attributeBytes(attr).toString('utf8');
  }
  const accepted = round.ask.every(
    (field) =>
      answers[field] !== undefined &&
      (round.expect?.[field] === undefined || round.expect[field] === answers[field]),
  );
  return { answers, accepted };
}

export function ipv4Bytes(address: string): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(ipv4ToInt(address));
  return bytes;
}

/** The REPLY's or SET's attributes (draft-dukes-ike-mode-cfg 3.3, Unity). */
export function modeConfigAttributes(values: ModeConfigValues): DataAttribute[] {
  const split = (values.splitInclude ?? []).map((net) => {
    const entry = Buffer.alloc(UNITY_SPLIT_ENTRY_LENGTH);
    entry.writeUInt32BE(ipv4ToInt(net.address), 0);
    entry.writeUInt32BE(net.prefix === 0 ? 0 : (0xffffffff << (32 - net.prefix)) >>> 0, 4);
    return entry;
  });
  return [
    tlv(ModeCfgAttr.InternalIp4Address, ipv4Bytes(values.virtualIp)),
    tlv(ModeCfgAttr.InternalIp4Netmask, ipv4Bytes(values.netmask ?? '255.255.255.255')),
    ...(values.dns ?? []).map((dns) => tlv(ModeCfgAttr.InternalIp4Dns, ipv4Bytes(dns))),
    ...(values.virtualIp6
      ? [
          tlv(
            ModeCfgAttr.InternalIp6Address,
            Buffer.concat([ipv6ToBytes(values.virtualIp6), Buffer.from([64])]),
          ),
        ]
      : []),
    ...(values.dns6 ?? []).map((dns) =>
      tlv(ModeCfgAttr.InternalIp6Dns, Buffer.from(ipv6ToBytes(dns))),
    ),
    ...(values.banner ? [tlv(UnityAttr.Banner, Buffer.from(values.banner))] : []),
    ...(values.defaultDomain ? [tlv(UnityAttr.DefDomain, Buffer.from(values.defaultDomain))] : []),
    ...(split.length ? [tlv(UnityAttr.SplitInclude, Buffer.concat(split))] : []),
    ...(values.pfs ? [tv(UnityAttr.Pfs, 1)] : []),
    ...(values.savePassword !== undefined
      ? [tv(UnityAttr.SavePasswd, values.savePassword ? 1 : 0)]
      : []),
    ...(values.backupServers?.length
      ? [tlv(UnityAttr.BackupServers, Buffer.from(values.backupServers.join(',')))]
      : []),
  ];
}
