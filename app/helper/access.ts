// Who may open tunnels through the helper. It runs as root and the caller chooses gateway,
// keys, routes and DNS, so the default is narrow: root and the members of one group
// (`roadwarrior`). A group, not polkit's "active session" check: it works the same for a
// desktop session, an SSH login and a service manager's unit, needs no D-Bus round trip per
// connection, is what the socket file's own mode enforces (0660 root:roadwarrior), and an admin
// manages it with the usual tools (usermod -aG, LDAP/sssd groups).
import type { PeerCredentials } from './peer-credentials.js';

export const DEFAULT_ALLOWED_GROUP = 'roadwarrior';

export interface AccessRules {
  /** members of this group (name, or gid as digits) may use the helper */
  group?: string;
  /** these uids may use the helper */
  uids: readonly number[];
}

/** The rules with the group resolved once, at start. */
export interface ResolvedAccess {
  rules: AccessRules;
  /** undefined when there is no group rule or the group does not exist */
  gid: number | undefined;
}

export function resolveAccess(
  rules: AccessRules,
  lookupGroup: (name: string) => number | undefined,
): ResolvedAccess {
  const { group } = rules;
  if (group === undefined) return { rules, gid: undefined };
  return { rules, gid: /^\d+$/.test(group) ? Number(group) : lookupGroup(group) };
}

/** Why this peer may not use the helper, or undefined when it may. Root always may. */
export function accessProblem(access: ResolvedAccess, peer: PeerCredentials): string | undefined {
  if (peer.uid === 0 || access.rules.uids.includes(peer.uid)) return undefined;
  const { gid } = access;
  if (gid !== undefined && (peer.gid === gid || peer.groups.includes(gid))) return undefined;
  return `uid ${peer.uid} may not use the Roadwarrior helper: ${describeAccess(access)}`;
}

/** Who may use the helper, in words (the start-up log line and every refusal say it). */
export function describeAccess(access: ResolvedAccess): string {
  const { group, uids } = access.rules;
  const who = ['root'];
  if (uids.length > 0) who.push(`uid ${uids.join(', ')}`);
  if (group !== undefined && access.gid !== undefined) {
    who.push(`members of group ${group}`);
  }
  const missing =
    group !== undefined && access.gid === undefined ? ` (group ${group} does not exist)` : '';
  const admin =
    group !== undefined && access.gid !== undefined
      ? `; an administrator adds a user with: usermod -aG ${group} USER (effective at the user's next login)`
      : '';
  const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} and ${who.at(-1)}` : 'root';
  return `only ${list} may open tunnels${missing}${admin}`;
}

/** Mode of a socket file the helper binds itself: reachable by whom the rules allow (the
 * kernel refuses the rest with EACCES before the helper sees them); uid rules need everyone to
 * reach it, and the helper decides per connection. */
export function socketOwnership(access: ResolvedAccess): { mode: number; gid?: number } {
  if (access.rules.uids.length > 0) return { mode: 0o666 };
  if (access.gid !== undefined) return { mode: 0o660, gid: access.gid };
  return { mode: 0o600 };
}
