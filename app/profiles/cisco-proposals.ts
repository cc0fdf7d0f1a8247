// What the Cisco VPN Client's one DHGroup setting means in strongSwan proposal notation: the
// client offers AES and 3DES with SHA-1 and MD5, all with that one group (aggressive mode
// carries a single key exchange).
import { DH_GROUPS, type DhGroupName, isWeakDhGroup } from '../shared/algorithms.js';

export function dhGroupName(group: number): DhGroupName | undefined {
  return (Object.keys(DH_GROUPS) as DhGroupName[]).find((name) => DH_GROUPS[name] === group);
}

export function ciscoIkeProposals(group: DhGroupName): string[] {
  return ['aes256-sha1', 'aes128-sha1', '3des-sha1', '3des-md5'].map((p) => `${p}-${group}`);
}

/** MODP-1024 and MODP-1536 are offered only by a profile that says `legacy`. */
export function needsLegacy(group: DhGroupName): boolean {
  return isWeakDhGroup(DH_GROUPS[group]);
}

/** The DH group of a proposal string ("aes256-sha1-modp1024" -> modp1024). */
export function proposalGroup(proposal: string): DhGroupName | undefined {
  const name = proposal.split('-').at(-1);
  return name !== undefined && name in DH_GROUPS ? (name as DhGroupName) : undefined;
}
