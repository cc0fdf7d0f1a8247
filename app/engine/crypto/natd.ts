// NAT discovery hash (RFC 3947 3.2): HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash,
// the address in network byte order (4 or 16 bytes) and the UDP port as 2 bytes.
import { addressBytes } from '../../shared/address-bytes.js';
import { CryptoError } from './errors.js';
import { type HashName, digest } from './prf.js';

function checkedAddressBytes(address: string): Uint8Array {
  try {
    return addressBytes(address);
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
  return digest(hash, [
    initiatorCookie,
    responderCookie,
    Buffer.from(checkedAddressBytes(address)),
    portBytes,
  ]);
}
