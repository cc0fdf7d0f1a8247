// The model's traffic selector checks (RFC 4301 5.1, 5.2) on compiled network/mask integers.
import type { EspSaPair } from '../../../app/shared/esp-sa.js';
import type { Ipv4Net } from '../../../app/shared/net.js';
import { ipv4Range } from '../../../app/dataplane/esp/traffic-selectors.js';
import { IPV4_DESTINATION_OFFSET, IPV4_SOURCE_OFFSET, NEXT_HEADER_IPV4 } from './inner-packet.js';

class Ipv4Ranges {
  private readonly ranges: { network: number; mask: number }[];

  constructor(nets: Ipv4Net[]) {
    this.ranges = nets.map(ipv4Range);
  }

  contains(address: number): boolean {
    for (const range of this.ranges) {
      if ((address & range.mask) >>> 0 === range.network) return true;
    }
    return false;
  }
}

export class TrafficSelectors {
  private readonly local: Ipv4Ranges;
  private readonly remote: Ipv4Ranges;

  constructor(selectors: EspSaPair['selectors']) {
    this.local = new Ipv4Ranges(selectors.local);
    this.remote = new Ipv4Ranges(selectors.remote);
  }

  // The contract's selectors are IPv4 only (app/shared/esp-sa.ts): an IPv6 inner packet is
  // framed and validated like any other, but no SA covers it until the SA carries IPv6 ranges.

  /** RFC 4301 5.2: a decrypted inner packet must come from remote and go to local. */
  coverInbound(packet: Buffer, nextHeader: number): boolean {
    return (
      nextHeader === NEXT_HEADER_IPV4 &&
      this.remote.contains(packet.readUInt32BE(IPV4_SOURCE_OFFSET)) &&
      this.local.contains(packet.readUInt32BE(IPV4_DESTINATION_OFFSET))
    );
  }

  /** RFC 4301 5.1: an outbound packet goes on the SA whose selectors match it. */
  coverOutbound(packet: Buffer, nextHeader: number): boolean {
    return (
      nextHeader === NEXT_HEADER_IPV4 &&
      this.remote.contains(packet.readUInt32BE(IPV4_DESTINATION_OFFSET)) &&
      this.local.contains(packet.readUInt32BE(IPV4_SOURCE_OFFSET))
    );
  }
}
