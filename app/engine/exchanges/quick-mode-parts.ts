// What both Quick Mode roles (RFC 2409 5.5) share: selectors as ID payloads, SPI allocation,
// reading a transform's attributes, lifetimes, and the ESP SA pair cut from KEYMAT.
import { randomBytes } from 'node:crypto';
import type { EspSaPair } from '../../shared/esp-sa.js';
import { intToIpv4, ipv4ToInt, maskToPrefix, prefixToMask } from '../../shared/net.js';
import { type IpNet, bytesToIpv6, ipv6Mask, ipv6Network, isIpv6 } from '../../shared/net6.js';
import { EngineError } from '../api.js';
import { espDirectionKeys } from '../crypto/index.js';
import type { IkeSa } from '../ike-sa.js';
import { type EspProposal, matchEspChoice } from '../proposals.js';
import { type DataAttribute, attributeNumber } from '../wire/attributes.js';
import { IdType, LifeType, Phase2Attr, ProtocolId } from '../wire/constants.js';
import type { IdBody, TransformBody } from '../wire/payloads.js';

/** RFC 2407 4.6.2: ID_IPV4_ADDR / ID_IPV6_ADDR for a host, ID_IPV4_ADDR_SUBNET /
 * ID_IPV6_ADDR_SUBNET (4.6.2.1: address, then mask) otherwise. */
export function selectorId(net: IpNet): IdBody {
  if (isIpv6(net.address)) {
    const address = Buffer.from(ipv6Network(net));
    if (net.prefix === 128)
      return { idType: IdType.Ipv6Addr, protocolId: 0, port: 0, data: address };
    return {
      idType: IdType.Ipv6AddrSubnet,
      protocolId: 0,
      port: 0,
      data: Buffer.concat([address, ipv6Mask(net.prefix)]),
    };
  }
  const address = Buffer.alloc(4);
  address.writeUInt32BE(ipv4ToInt(net.address));
  if (net.prefix === 32) return { idType: IdType.Ipv4Addr, protocolId: 0, port: 0, data: address };
  const mask = Buffer.alloc(4);
  mask.writeUInt32BE(ipv4ToInt(prefixToMask(net.prefix)));
  return {
    idType: IdType.Ipv4AddrSubnet,
    protocolId: 0,
    port: 0,
    data: Buffer.concat([address, mask]),
  };
}

export function selectorOf(id: IdBody): IpNet {
  if (id.idType === IdType.Ipv6Addr && id.data.length === 16)
    return { address: bytesToIpv6(id.data), prefix: 128 };
  if (id.idType === IdType.Ipv6AddrSubnet && id.data.length === 32) {
    const prefix = ipv6MaskToPrefix(id.data.subarray(16));
    if (prefix !== undefined) {
      const net = { address: bytesToIpv6(id.data.subarray(0, 16)), prefix };
      return { address: bytesToIpv6(ipv6Network(net)), prefix };
    }
  }
  if (id.idType === IdType.Ipv4Addr && id.data.length === 4) {
    return { address: intToIpv4(id.data.readUInt32BE(0)), prefix: 32 };
  }
  if (id.idType === IdType.Ipv4AddrSubnet && id.data.length === 8) {
    return {
      address: intToIpv4(id.data.readUInt32BE(0)),
      prefix: maskToPrefix(intToIpv4(id.data.readUInt32BE(4))),
    };
  }
  throw new EngineError(
    'invalid-id',
    `the gateway sent an ID of type ${id.idType} we cannot use as a selector`,
  );
}

/** A contiguous 16-byte mask's prefix length, or undefined. */
function ipv6MaskToPrefix(mask: Buffer): number | undefined {
  let prefix = 0;
  while (prefix < 128 && ((mask[prefix >> 3] ?? 0) & (0x80 >> (prefix & 7))) !== 0) prefix++;
  return Buffer.from(ipv6Mask(prefix)).equals(mask) ? prefix : undefined;
}

/** Ni_b / Nr_b: 32 bytes, within RFC 2409 5's 8..256 and as long as any PRF output. */
export function quickModeNonce(): Buffer {
  return randomBytes(32);
}

/** A fresh inbound SPI; SPIs 1..255 are reserved (RFC 4303 2.1). */
export function allocateSpi(): Buffer {
  const spi = randomBytes(4);
  spi[0] = (spi[0] ?? 0) | 0x01;
  return spi;
}

/** A numeric attribute of a transform (RFC 2407 4.5), or undefined when absent. */
export function transformNumber(transform: TransformBody, type: number): number | undefined {
  const attribute = transform.attributes.find((a) => a.type === type);
  return attribute ? attributeNumber(attribute) : undefined;
}

/** Which of our proposals a transform is, by transform ID, key length and integrity. */
export function proposalOfTransform(
  ours: EspProposal[],
  transform: TransformBody,
): EspProposal | undefined {
  return matchEspChoice(
    ours,
    transform.transformId,
    transformNumber(transform, Phase2Attr.KeyLength),
    transformNumber(transform, Phase2Attr.AuthenticationAlgorithm),
  );
}

export interface Lifetime {
  seconds: number;
  kilobytes?: number;
}

/** RFC 2407 4.5: the lifetimes in a transform or a RESPONDER-LIFETIME (4.6.3.1), as
 * (type, duration) pairs. A malformed list is ignored (some gateways send one). */
export function lifetimesOf(attributes: DataAttribute[]): { seconds?: number; kilobytes?: number } {
  const result: { seconds?: number; kilobytes?: number } = {};
  let type: number | undefined;
  for (const attr of attributes) {
    if (attr.type === Phase2Attr.LifeType) type = attributeNumber(attr);
    else if (attr.type === Phase2Attr.LifeDuration && type !== undefined) {
      if (type === LifeType.Seconds) result.seconds = attributeNumber(attr);
      if (type === LifeType.Kilobytes) result.kilobytes = attributeNumber(attr);
    }
  }
  return result;
}

/** The shorter of each lifetime: an SA lives no longer than either side wants. */
export function shorterLifetime(
  ours: Lifetime,
  theirs: { seconds?: number; kilobytes?: number },
): Lifetime {
  const lifetime = { ...ours };
  if (theirs.seconds) lifetime.seconds = Math.min(lifetime.seconds, theirs.seconds);
  if (theirs.kilobytes)
    lifetime.kilobytes = Math.min(lifetime.kilobytes ?? Infinity, theirs.kilobytes);
  return lifetime;
}

export interface EspSaMaterial {
  sa: IkeSa;
  id: string;
  proposal: EspProposal;
  /** g(qm)^xy when Quick Mode ran with PFS */
  sharedSecret: Buffer | undefined;
  /** the Quick Mode initiator's and responder's nonces, whichever side we were */
  nonceI: Buffer;
  nonceR: Buffer;
  /** the SPI we chose (we receive on it) and the one the gateway chose */
  inboundSpi: Buffer;
  outboundSpi: Buffer;
  lifetime: Lifetime;
  selectors: { local: IpNet; remote: IpNet };
  replayWindow: number;
}

/** RFC 2409 5.5: one KEYMAT per direction, each keyed by the SPI its receiver chose. */
export function espSaPair(material: EspSaMaterial): EspSaPair {
  const { sa, proposal } = material;
  const keys = (spi: Buffer) =>
    espDirectionKeys({
      prf: (key: Buffer, data: Buffer) => sa.prf(key, data),
      skeyidD: sa.skeyidD,
      sharedSecret: material.sharedSecret,
      protocol: ProtocolId.Esp,
      spi,
      nonceI: material.nonceI,
      nonceR: material.nonceR,
      encryption: proposal.encryption,
      keyBits: proposal.keyBits,
      integrity: proposal.integrity,
    });
  return {
    id: material.id,
    encryption: proposal.encryption,
    keyBits: proposal.keyBits,
    integrity: proposal.integrity,
    inbound: keys(material.inboundSpi),
    outbound: keys(material.outboundSpi),
    lifetime: material.lifetime,
    selectors: { local: [material.selectors.local], remote: [material.selectors.remote] },
    replayWindow: material.replayWindow,
  };
}
