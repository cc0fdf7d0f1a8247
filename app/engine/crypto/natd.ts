// NAT discovery hash (RFC 3947 3.2): HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash,
// the address in network byte order (4 or 16 bytes) and the UDP port as 2 bytes.
import { isIPv4, isIPv6 } from 'node:net';
import { ipv4ToInt } from '../../shared/net.js';
import { CryptoError } from './errors.js';
import { type HashName, digest } from './prf.js';

function ipv6Bytes(address: string): Buffer {
  // The URL parser normalises any IPv6 spelling (embedded IPv4 included; the zone ID, which
  // is not part of the address, dropped) to hex groups with at most one '::'; what is left is
  // expanding that gap.
  const normal = new URL(`http://[${address.split('%')[0]}]/`).hostname.slice(1, -1);
  const [head = '', tail] = normal.split('::');
  const groups = (text: string) => (text === '' ? [] : text.split(':'));
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const all = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

function addressBytes(address: string): Buffer {
  if (isIPv4(address)) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(ipv4ToInt(address));
    return bytes;
  }
  if (isIPv6(address)) return ipv6Bytes(address);
  throw new CryptoError('bad-address', `not an IP address: ${address}`);
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
