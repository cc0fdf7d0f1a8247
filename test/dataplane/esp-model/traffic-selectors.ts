// The model's traffic selector checks (RFC 4301 5.1, 5.2) on compiled ranges: IPv4 as
// network/mask integers, IPv6 (a dual-stack tunnel's second SA) as network/mask bytes.
import type { EspSaPair } from '../../../app/shared/esp-sa.js';
import { type IpNet, isIpv6 } from '../../../app/shared/net6.js';
import { ipv4Range, ipv6Range } from '../../../app/dataplane/esp/traffic-selectors.js';
import {
  IPV4_DESTINATION_OFFSET,
  IPV4_SOURCE_OFFSET,
  IPV6_DESTINATION_OFFSET,
  IPV6_SOURCE_OFFSET,
  NEXT_HEADER_IPV4,
  NEXT_HEADER_IPV6,
} from './inner-packet.js';

class IpRanges {
  private readonly ipv4: { network: number; mask: number }[];
  private readonly ipv6: { network: Uint8Array; mask: Uint8Array }[];

  constructor(nets: IpNet[]) {
    this.ipv4 = nets.filter((net) => !isIpv6(net.address)).map(ipv4Range);
    this.ipv6 = nets.filter((net) => isIpv6(net.address)).map(ipv6Range);
  }

  /** the address at `offset` of `packet`, of the family `nextHeader` names */
  contains(packet: Buffer, nextHeader: number, offset: number): boolean {
    if (nextHeader === NEXT_HEADER_IPV4) {
      const address = packet.readUInt32BE(offset);
      return this.ipv4.some((range) => (address & range.mask) >>> 0 === range.network);
    }
    const address = packet.subarray(offset, offset + 16);
    return this.ipv6.some((range) =>
      address.every((byte, i) => (byte & (range.mask[i] ?? 0)) === range.network[i]),
    );
  }
}

const SOURCE = { [NEXT_HEADER_IPV4]: IPV4_SOURCE_OFFSET, [NEXT_HEADER_IPV6]: IPV6_SOURCE_OFFSET };
const DESTINATION = {
  [NEXT_HEADER_IPV4]: IPV4_DESTINATION_OFFSET,
  [NEXT_HEADER_IPV6]: IPV6_DESTINATION_OFFSET,
};

export class TrafficSelectors {
  private readonly local: IpRanges;
  private readonly remote: IpRanges;

  constructor(selectors: EspSaPair['selectors']) {
    this.local = new IpRanges(selectors.local);
    this.remote = new IpRanges(selectors.remote);
  }

  /** RFC 4301 5.2: a decrypted inner packet must come from remote and go to local. */
  coverInbound(packet: Buffer, nextHeader: number): boolean {
    return this.covers(packet, nextHeader, this.remote, this.local);
  }

  /** RFC 4301 5.1: an outbound packet goes on the SA whose selectors match it. */
  coverOutbound(packet: Buffer, nextHeader: number): boolean {
    return this.covers(packet, nextHeader, this.local, this.remote);
  }

  private covers(packet: Buffer, nextHeader: number, source: IpRanges, destination: IpRanges) {
    if (nextHeader !== NEXT_HEADER_IPV4 && nextHeader !== NEXT_HEADER_IPV6) return false;
    return (
      source.contains(packet, nextHeader, SOURCE[nextHeader]) &&
      destination.contains(packet, nextHeader, DESTINATION[nextHeader])
    );
  }
}
