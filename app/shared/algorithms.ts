// Which Diffie-Hellman groups and algorithms we know, which of them are legacy (offered only
// when a profile lists them or sets `legacy: true`) and which are weak when negotiated. The
// engine, the CLI and the renderer all derive their names and warnings from here.

/** Group numbers by proposal keyword: RFC 2409 6.2 (group 2), RFC 3526 2-7 (5, 14, 15, 16, 17,
 * 18), RFC 5903 3.1-3.3 (19, 20, 21). */
export const DH_GROUPS = {
  modp1024: 2,
  modp1536: 5,
  modp2048: 14,
  modp3072: 15,
  modp4096: 16,
  modp6144: 17,
  modp8192: 18,
  ecp256: 19,
  ecp384: 20,
  ecp521: 21,
} as const;
export type DhGroupName = keyof typeof DH_GROUPS;
/** The keywords in declaration order, for schemas and choice lists. */
export const DH_GROUP_NAMES = Object.keys(DH_GROUPS) as [DhGroupName, ...DhGroupName[]];

/** Human names by group number, for the SA details; group 1 (RFC 2409 6.1) only ever seen. */
const DH_GROUP_LABELS: Record<number, string> = {
  1: 'MODP 768',
  2: 'MODP 1024',
  5: 'MODP 1536',
  14: 'MODP 2048',
  15: 'MODP 3072',
  16: 'MODP 4096',
  17: 'MODP 6144',
  18: 'MODP 8192',
  19: 'ECP 256',
  20: 'ECP 384',
  21: 'ECP 521',
};

export function dhGroupLabel(group: number): string {
  const label = DH_GROUP_LABELS[group];
  return label ? `${group} (${label})` : String(group);
}

/** MODP groups under 2048 bits are within reach of a well-funded attacker (logjam, RFC 8247
 * 2.4 for IKEv2 says the same): weak when negotiated. */
export function isWeakDhGroup(group: number): boolean {
  return group === 1 || group === DH_GROUPS.modp1024 || group === DH_GROUPS.modp1536;
}

/** Proposals that `legacy: true` adds after the profile's own: what old Cisco, Shrew and vpnc
 * set-ups negotiate (a .pcf with DHGroup=2 means modp1024). */
export const LEGACY_IKE_PROPOSALS = [
  'aes256-sha1-modp2048',
  'aes128-sha1-modp2048',
  'aes256-sha1-modp1536',
  'aes256-sha1-modp1024',
  'aes128-sha1-modp1024',
  '3des-sha1-modp1024',
  '3des-md5-modp1024',
] as const;

export const LEGACY_ESP_PROPOSALS = [
  'aes256-sha1',
  'aes128-sha1',
  '3des-sha1',
  '3des-md5',
] as const;

/** Weak parts of a negotiated phase 1 transform, named as a network engineer would: 3DES has a
 * 64-bit block (sweet32), MD5 and SHA-1 are broken for collisions. */
export function weakIkeParts(chosen: { cipher: string; hash: string; group: number }): string[] {
  return [
    ...(chosen.cipher === '3des' ? ['3DES encryption'] : []),
    ...(chosen.hash === 'md5' || chosen.hash === 'sha1'
      ? [`${chosen.hash.toUpperCase()} hash`]
      : []),
    ...(isWeakDhGroup(chosen.group) ? [`DH group ${dhGroupLabel(chosen.group)}`] : []),
  ];
}

/** Weak parts of a negotiated ESP transform (encryption, integrity, PFS group). */
export function weakEspParts(sa: {
  encryption: string;
  integrity: string;
  pfsGroup?: number;
}): string[] {
  return [
    ...(sa.encryption === '3des-cbc' ? ['3DES encryption'] : []),
    ...(sa.integrity === 'hmac-md5-96' ? ['HMAC-MD5 integrity'] : []),
    ...(sa.pfsGroup !== undefined && isWeakDhGroup(sa.pfsGroup)
      ? [`PFS group ${dhGroupLabel(sa.pfsGroup)}`]
      : []),
  ];
}
