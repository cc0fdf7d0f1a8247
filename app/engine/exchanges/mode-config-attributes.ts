// Mode Config (draft-dukes-ike-mode-cfg 3.2-3.3) and Cisco Unity attribute values: what we ask
// for and how we read what the gateway answered, both from the table in app/shared. Each kind
// of value has one decoder here; gateways answer only what they have, so every field is
// optional or a list that may stay empty.
import {
  ATTRIBUTE_KINDS,
  type AttributeKind,
  MODE_CONFIG_ATTRIBUTES,
  ModeCfgAttr,
  type ModeConfigResult,
  UNITY_SPLIT_ENTRY_LENGTH,
  emptyModeConfig,
} from '../../shared/mode-config-attributes.js';
import { type SplitEntry, intToIpv4, maskToPrefix } from '../../shared/net.js';
import { type IpNet, bytesToIpv6, ipv6Network as ipv6NetworkBytes } from '../../shared/net6.js';
import { type DataAttribute, attributeBytes, attributeNumber, tlv } from '../wire/attributes.js';
import { DecodeError } from '../wire/codec.js';

/** What a remote-access client asks for in its CFG_REQUEST: every attribute of the table with
 * an empty value (the IPv6 ones only when the profile lets IPv6 in), and our
 * APPLICATION_VERSION (3.2, 3.3). */
export function modeConfigRequestAttributes(
  applicationVersion: string,
  ipv6: boolean,
): DataAttribute[] {
  return [
    ...MODE_CONFIG_ATTRIBUTES.filter((row) => ipv6 || !('ipv6' in row)).map(({ type }) =>
      tlv(type, Buffer.alloc(0)),
    ),
    tlv(ModeCfgAttr.ApplicationVersion, Buffer.from(applicationVersion)),
  ];
}

/** A value read from one attribute; undefined for an empty (unanswered) or unusable one. */
type Decoded = string | number | boolean | string[] | SplitEntry[] | IpNet[] | undefined;

function ipv4(bytes: Buffer): string | undefined {
  return bytes.length === 4 ? intToIpv4(bytes.readUInt32BE(0)) : undefined;
}

/** 16 bytes; a 17th, a prefix length some gateways append (see ATTRIBUTE_KINDS.ipv6), is
 * dropped: the address goes on the tunnel as a host address. */
function ipv6(bytes: Buffer): string | undefined {
  return bytes.length === 16 || bytes.length === 17
    ? bytesToIpv6(bytes.subarray(0, 16))
    : undefined;
}

/** INTERNAL_IP6_SUBNET: 16 address bytes and a prefix length of at most 128. */
function ipv6Network(bytes: Buffer): IpNet[] {
  const prefix = bytes[16];
  if (bytes.length !== 17 || prefix === undefined || prefix > 128) return [];
  const address = bytesToIpv6(
    ipv6NetworkBytes({ address: bytesToIpv6(bytes.subarray(0, 16)), prefix }),
  );
  return [{ address, prefix }];
}

/** Text attributes may carry a trailing NUL (Cisco sends C strings). */
function text(bytes: Buffer): string | undefined {
  return bytes.length > 0 ? bytes.toString('utf8').replace(/\0+$/, '') : undefined;
}

function names(bytes: Buffer): string[] {
  return (text(bytes) ?? '').split(/[,\s]+/).filter(Boolean);
}

/** Unity split entries: 14 bytes each (address, mask, protocol, source port, dest port). */
function splitEntries(bytes: Buffer): SplitEntry[] {
  const entries: SplitEntry[] = [];
  for (let o = 0; o + UNITY_SPLIT_ENTRY_LENGTH <= bytes.length; o += UNITY_SPLIT_ENTRY_LENGTH) {
    const mask = intToIpv4(bytes.readUInt32BE(o + 4));
    let prefix: number;
    try {
      prefix = maskToPrefix(mask);
    } catch {
      continue; // a non-contiguous mask cannot be routed; skip the entry, keep the rest
    }
    const address =
      bytes.readUInt32BE(o) & (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
    entries.push({
      network: { address: intToIpv4(address >>> 0), prefix },
      protocol: bytes.readUInt16BE(o + 8),
      sourcePort: bytes.readUInt16BE(o + 10),
      destinationPort: bytes.readUInt16BE(o + 12),
    });
  }
  return entries;
}

/** A numeric value; throws DecodeError for one too long to be a number. */
function numberOf(attr: DataAttribute): number | undefined {
  return attributeBytes(attr).length === 0 ? undefined : attributeNumber(attr);
}

const DECODERS: Record<AttributeKind, (attr: DataAttribute) => Decoded> = {
  ipv4: (attr) => ipv4(attributeBytes(attr)),
  'ipv4-list': (attr) => {
    const address = ipv4(attributeBytes(attr));
    return address ? [address] : [];
  },
  ipv6: (attr) => ipv6(attributeBytes(attr)),
  'ipv6-list': (attr) => {
    const bytes = attributeBytes(attr);
    return bytes.length === 16 ? [bytesToIpv6(bytes)] : [];
  },
  'ipv6-networks': (attr) => ipv6Network(attributeBytes(attr)),
  seconds: numberOf,
  flag: (attr) => {
    const value = numberOf(attr);
    return value === undefined ? undefined : value !== 0;
  },
  text: (attr) => text(attributeBytes(attr)),
  'dns-name': (attr) => text(attributeBytes(attr)),
  'dns-names': (attr) => names(attributeBytes(attr)),
  'host-names': (attr) => names(attributeBytes(attr)),
  'split-networks': (attr) => splitEntries(attributeBytes(attr)),
};

const ROW_OF = new Map(MODE_CONFIG_ATTRIBUTES.map((row) => [row.type as number, row]));

/** Folds a CFG_REPLY or CFG_SET into a result; unknown and malformed values are skipped
 * and named in `ignored` so the log can say what was not understood. */
export function readModeConfig(attributes: DataAttribute[]): {
  result: ModeConfigResult;
  ignored: number[];
} {
  const result = emptyModeConfig();
  const fields = result as Record<string, Decoded>;
  const ignored: number[] = [];
  for (const attr of attributes) {
    const row = ROW_OF.get(attr.type);
    if (!row) {
      ignored.push(attr.type);
      continue;
    }
    let value: Decoded;
    try {
      value = DECODERS[row.kind](attr);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      ignored.push(attr.type);
      continue;
    }
    if (value === undefined) continue;
    if (ATTRIBUTE_KINDS[row.kind].list) (fields[row.field] as unknown[]).push(...(value as []));
    else fields[row.field] = value;
  }
  return { result, ignored };
}
