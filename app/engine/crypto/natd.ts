// NAT discovery hash (RFC 3947 3.2): HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash,
// the address in network byte order (4 or 16 bytes) and the UDP port as 2 bytes.
import { ipv4ToInt } from '../../shared/net.js';
import { ipv6ToBytes, isIpv6 } from '../../shared/net6.js';
import { CryptoError } from './errors.js';
import { type HashName, digest } from './prf.js';

/** An IPv4 or IPv6 address in network byte order, 4 or 16 bytes (an IPv6 zone ID, which is not
 * part of the address, dropped). */
export function addressBytes(address: string): Buffer {
  try {
    if (isIpv6(address)) return Buffer.from(ipv6ToBytes(address.split('%')[0] ?? ''));
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(ipv4ToInt(address));
    return bytes;
  } catch {
    throw new CryptoError('bad-address', `not an IP address: ${address}`);
  }
}

export function natDiscoveryHash(
  hash: HashName,
  initiatorCookie: Buffer,
  responderCookie: Buffer,
  address: string,
  port: number,
): Buffer {
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  return digest(hash, [initiatorCookie, responderCookie, addressBytes(address), portBytes]);
}
