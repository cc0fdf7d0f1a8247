// The largest inner packet that fits a 1500-byte path after ESP-in-UDP: outer IPv4 20, UDP 8
// (RFC 3948), ESP header 8 and IV, payload padded with 2 trailer bytes to the cipher block
// (RFC 4303 2.4), ICV.
import type { EspEncryption, EspIntegrity } from '../shared/esp-sa.js';

const PATH_MTU = 1500;
const OUTER = 20 + 8 + 8;

const ICV_BYTES: Record<EspIntegrity, number> = {
  'hmac-sha1-96': 12,
  'hmac-md5-96': 12,
  'hmac-sha256-128': 16,
  'hmac-sha384-192': 24,
  'hmac-sha512-256': 32,
  none: 16, // AES-GCM-16
};

export function tunnelMtu(
  encryption: EspEncryption,
  integrity: EspIntegrity,
  pathMtu = PATH_MTU,
): number {
  const block = encryption === 'aes-cbc' ? 16 : encryption === '3des-cbc' ? 8 : 4;
  const iv = encryption === 'aes-cbc' ? 16 : 8;
  const room = pathMtu - OUTER - iv - ICV_BYTES[integrity];
  return Math.floor(room / block) * block - 2;
}
