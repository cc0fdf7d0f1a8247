// What a connect computes before its first message and needs nothing of the gateway for, made
// ahead by a process that knows its profile: the Diffie-Hellman key pair of the first phase 1
// offer (and of an explicit PFS group, for Quick Mode message 1).
import type { Profile } from '../shared/profile.js';
import { prepareKeyExchange } from './crypto/index.js';
import { DH_GROUPS, groupOffers, offeredIkeProposals } from './proposals.js';

export function prepareConnect(profile: Profile): void {
  const firstGroup = groupOffers(offeredIkeProposals(profile))[0]?.[0]?.group;
  if (firstGroup !== undefined) prepareKeyExchange(firstGroup);
  if (profile.pfs !== 'off' && profile.pfs !== 'auto') prepareKeyExchange(DH_GROUPS[profile.pfs]);
}
