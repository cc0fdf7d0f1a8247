// An enc_GroupPwd encoder written for the tests from the description of the format, to
// make vectors the app's decoder must read: H1 | SHA1(C) | C, C = 3DES-CBC(secret + padding) with
// key SHA1(H1, last byte + 1) | SHA1(H1, last byte + 3)[0..4] and IV H1[0..8].
import { createCipheriv, createHash } from 'node:crypto';

export function ciscoEncode(secret: string, h1Hex: string): string {
  const h1 = Buffer.from(h1Hex, 'hex');
  if (h1.length !== 20) throw new Error('H1 is 20 bytes');
  const bumped = (n: number) => {
    const b = Buffer.from(h1);
    b.writeUInt8((b.readUInt8(19) + n) % 256, 19);
    return createHash('sha1').update(b).digest();
  };
  const key = Buffer.concat([bumped(1), bumped(3).subarray(0, 4)]);
  const data = Buffer.from(secret, 'utf8');
  const pad = 8 - (data.length % 8);
  const cipher = createCipheriv('des-ede3-cbc', key, h1.subarray(0, 8));
  cipher.setAutoPadding(false);
  const c = Buffer.concat([
    cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]);
  return Buffer.concat([h1, createHash('sha1').update(c).digest(), c])
    .toString('hex')
    .toUpperCase();
}

/** A branch office's .pcf as an admin hands it out: the gateway locked, a backup gateway, the
 * group key "branch-key" as enc_GroupPwd, and one setting Roadwarrior does not carry over. */
export const BRANCH_PCF = [
  '[main]',
  '!Host=vpn.branch.example',
  'BackupServer=vpn2.branch.example',
  'EnableBackup=1',
  'GroupName=branch',
  `enc_GroupPwd=${ciscoEncode('branch-key', '000102030405060708090a0b0c0d0e0f10111213')}`,
  'EnableLocalLAN=1',
  '',
].join('\r\n');
