// Mode Config (draft-dukes-ike-mode-cfg 3.3) and Cisco Unity attribute values: what we ask
// for and how we read what the gateway answered. Gateways answer only what they have, so
// every field is optional.
import type { ModeConfigResult } from '../../shared/network-setup.js';
import { type SplitEntry, intToIpv4, maskToPrefix } from '../../shared/net.js';
import { type DataAttribute, attributeBytes, attributeNumber, tlv } from '../wire/attributes.js';
import { DecodeError } from '../wire/codec.js';
import { ModeCfgAttr, UNITY_SPLIT_ENTRY_LENGTH, UnityAttr } from '../wire/constants.js';

/** What a remote-access client asks for in its CFG_REQUEST: empty values (3.2). */
export function modeConfigRequestAttributes(applicationVersion: string): DataAttribute[] {
  const wanted = [
    ModeCfgAttr.InternalIp4Address,
    ModeCfgAttr.InternalIp4Netmask,
    ModeCfgAttr.InternalIp4Dns,
    ModeCfgAttr.InternalIp4Nbns,
    ModeCfgAttr.InternalAddressExpiry,
    UnityAttr.Banner,
    UnityAttr.SavePasswd,
    UnityAttr.DefDomain,
    UnityAttr.SplitDnsName,
    UnityAttr.SplitInclude,
    UnityAttr.LocalLan,
    UnityAttr.Pfs,
    UnityAttr.BackupServers,
  ];
  return [
    ...wanted.map((type) => tlv(type, Buffer.alloc(0))),
    tlv(ModeCfgAttr.ApplicationVersion, Buffer.from(applicationVersion)),
  ];
}

function ipv4(bytes: Buffer): string | undefined {
  return bytes.length === 4 ? intToIpv4(bytes.readUInt32BE(0)) : undefined;
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

/** Text attributes may carry a trailing NUL (Cisco sends C strings). */
function text(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/\0+$/, '');
}

/** A numeric attribute's value; an empty one (unanswered) is skipped, one that is no number
 * (too long) is skipped and named in `ignored`. */
function numberIn(attr: DataAttribute, ignored: number[]): number | undefined {
  if (attributeBytes(attr).length === 0) return undefined;
  try {
    return attributeNumber(attr);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    ignored.push(attr.type);
    return undefined;
  }
}

/** Folds a CFG_REPLY or CFG_SET into a result; unknown and malformed values are skipped
 * and named in `ignored` so the log can say what was not understood. */
export function readModeConfig(attributes: DataAttribute[]): {
  result: ModeConfigResult;
  ignored: number[];
} {
  const result: ModeConfigResult = {
    dns: [],
    nbns: [],
    splitDns: [],
    splitInclude: [],
    splitExclude: [],
    backupServers: [],
  };
  const ignored: number[] = [];
  for (const attr of attributes) {
    const bytes = attributeBytes(attr);
    switch (attr.type) {
      case ModeCfgAttr.InternalIp4Address:
        result.internalIp4 = ipv4(bytes) ?? result.internalIp4;
        break;
      case ModeCfgAttr.InternalIp4Netmask:
        result.internalIp4Netmask = ipv4(bytes) ?? result.internalIp4Netmask;
        break;
      case ModeCfgAttr.InternalIp4Dns: {
        const address = ipv4(bytes);
        if (address) result.dns.push(address);
        break;
      }
      case ModeCfgAttr.InternalIp4Nbns: {
        const address = ipv4(bytes);
        if (address) result.nbns.push(address);
        break;
      }
      case ModeCfgAttr.InternalAddressExpiry: {
        const seconds = numberIn(attr, ignored);
        if (seconds !== undefined) result.addressExpirySeconds = seconds;
        break;
      }
      case UnityAttr.Banner:
        if (bytes.length > 0) result.banner = text(bytes);
        break;
      case UnityAttr.DefDomain:
        if (bytes.length > 0) result.defaultDomain = text(bytes);
        break;
      case UnityAttr.SplitDnsName:
        result.splitDns.push(
          ...text(bytes)
            .split(/[,\s]+/)
            .filter(Boolean),
        );
        break;
      case UnityAttr.SplitInclude:
        result.splitInclude.push(...splitEntries(bytes));
        break;
      case UnityAttr.LocalLan:
        result.splitExclude.push(...splitEntries(bytes));
        break;
      case UnityAttr.SavePasswd: {
        const allowed = numberIn(attr, ignored);
        if (allowed !== undefined) result.savePassword = allowed !== 0;
        break;
      }
      case UnityAttr.Pfs: {
        const pfs = numberIn(attr, ignored);
        if (pfs !== undefined) result.pfs = pfs !== 0;
        break;
      }
      case UnityAttr.BackupServers:
        result.backupServers.push(
          ...text(bytes)
            .split(/[,\s]+/)
            .filter(Boolean),
        );
        break;
      default:
        ignored.push(attr.type);
    }
  }
  return { result, ignored };
}
