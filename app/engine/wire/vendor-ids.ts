// Vendor ID payload contents (RFC 2408 3.16) a remote-access client sends and recognises.
import { createHash } from 'node:crypto';

const md5 = (text: string): Buffer => createHash('md5').update(text).digest();

export const VendorId = {
  /** draft-ietf-ipsec-isakmp-xauth-06: first 8 bytes of MD5("draft-ietf-ipsra-isakmp-xauth-06.txt") */
  xauth: md5('draft-ietf-ipsra-isakmp-xauth-06.txt').subarray(0, 8),
  /** Cisco Unity, major 1 minor 0 */
  ciscoUnity: Buffer.from('12f5f28c457168a9702d9fe274cc0100', 'hex'),
  /** RFC 3706 9: DPD, major 1 minor 0 */
  dpd: Buffer.from('afcad71368a1f1c96b8696fc77570100', 'hex'),
  /** RFC 3947 4: MD5("RFC 3947") */
  natTRfc3947: md5('RFC 3947'),
  natTDraft03: md5('draft-ietf-ipsec-nat-t-ike-03'),
  natTDraft02n: md5('draft-ietf-ipsec-nat-t-ike-02\n'),
  natTDraft02: md5('draft-ietf-ipsec-nat-t-ike-02'),
  /** Cisco IKEv1 fragmentation: MD5("FRAGMENTATION") and 4 capability bytes. We send Cisco's
   * c0000000: 0x40000000 fragments in main mode, 0x80000000 in aggressive mode (racoon's
   * isakmp_frag.h names the bits). Any capability counts as support: strongSwan sends 80000000
   * and reassembles in both modes. */
  fragmentation: Buffer.concat([md5('FRAGMENTATION'), Buffer.from('c0000000', 'hex')]),
  strongSwan: md5('strongSwan'),
} as const;

export type VendorIdName = keyof typeof VendorId;

/** How many leading bytes name a vendor ID whose tail varies: Unity's and DPD's version,
 * fragmentation's capability bits. */
const PREFIX_LENGTH: Partial<Record<VendorIdName, number>> = {
  ciscoUnity: 14,
  dpd: 14,
  fragmentation: 16,
};

/** Names the vendor IDs we know; Unity/DPD/fragmentation match on their prefix. */
export function nameVendorId(data: Buffer): VendorIdName | `unknown:${string}` {
  for (const [name, known] of Object.entries(VendorId) as [VendorIdName, Buffer][]) {
    const prefixOnly = PREFIX_LENGTH[name] !== undefined;
    const compareLength = PREFIX_LENGTH[name] ?? known.length;
    if (
      data.length >= compareLength &&
      (prefixOnly || data.length === known.length) &&
      data.subarray(0, compareLength).equals(known.subarray(0, compareLength))
    ) {
      return name;
    }
  }
  return `unknown:${data.toString('hex')}`;
}
