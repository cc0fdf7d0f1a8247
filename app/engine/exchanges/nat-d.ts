// NAT discovery (RFC 3947 3): each side hashes the addresses it sees; a hash that does not
// match means a NAT rewrote that end. Our message 3 lists the gateway's address first, then
// our own (3.2). With forced encapsulation we send a local hash that cannot match, so the
// gateway believes we are behind a NAT and encapsulates ESP in UDP, as other clients do.
import { randomBytes } from 'node:crypto';
import type { Profile } from '../../shared/profile.js';
import { EngineError } from '../api.js';
import { natDiscoveryHash } from '../crypto/index.js';
import type { HashName } from '../proposals.js';
import { PayloadType } from '../wire/constants.js';
import type { OutgoingPayload } from '../wire/payloads.js';

export interface Endpoints {
  localAddress: string;
  localPort: number;
  gatewayAddress: string;
  gatewayPort: number;
}

/** RFC 3947 3.2: NAT-D hashes the ports a message travels between: IKE's, or NAT-T's once
 * floated (a re-authentication starts on the leg the old IKE SA floated to). */
export function endpointsOn(
  leg: 'ike' | 'natt',
  channel: { localAddress: string; localPort: number; localNattPort: number },
  gateway: { address: string; port: number; nattPort: number },
): Endpoints {
  const natt = leg === 'natt';
  return {
    localAddress: channel.localAddress,
    localPort: natt ? channel.localNattPort : channel.localPort,
    gatewayAddress: gateway.address,
    gatewayPort: natt ? gateway.nattPort : gateway.port,
  };
}

export interface NatState {
  localBehindNat: boolean;
  peerBehindNat: boolean;
}

export type NatTMode = 'rfc3947' | 'draft';

export interface NatTraversal extends NatState {
  mode: NatTMode;
  forced: boolean;
}

/** Which NAT-T the gateway speaks, from its vendor IDs (RFC 3947 3.1, or one of the drafts). */
export function natTModeOf(peerVendorIds: string[]): NatTMode | undefined {
  if (peerVendorIds.includes('natTRfc3947')) return 'rfc3947';
  return peerVendorIds.some((v) => v.startsWith('natTDraft')) ? 'draft' : undefined;
}

/** Our NAT-D hashes as payloads of the type the gateway's NAT-T version uses. */
export function natDPayloads(mode: NatTMode, hashes: Buffer[]): OutgoingPayload[] {
  const type = mode === 'rfc3947' ? PayloadType.NatD : PayloadType.NatDDraft;
  return hashes.map((data) => ({ type, body: { data } }));
}

/** Whether we encapsulate ESP in UDP (RFC 3948): this client carries ESP only that way, so a
 * gateway without NAT-T, or no NAT with encapsulation not forced, leaves no tunnel to build. */
function decideNatTraversal(
  setting: Profile['natTraversal'],
  mode: NatTMode | undefined,
  detected: NatState | undefined,
): NatTraversal {
  const forced = setting === 'force';
  if (!mode)
    throw new EngineError(
      'config-invalid',
      'the gateway does not support NAT traversal, and this client carries ESP only inside UDP (RFC 3948)',
    );
  if (setting === 'disabled' || (!forced && !detected?.localBehindNat && !detected?.peerBehindNat))
    throw new EngineError(
      'config-invalid',
      'no NAT between us and the gateway and NAT-T is not forced: this client carries ESP only inside UDP, so set NAT traversal to "force"',
    );
  return {
    mode,
    forced,
    localBehindNat: detected?.localBehindNat ?? false,
    peerBehindNat: detected?.peerBehindNat ?? false,
  };
}

/** The NAT-T decision from a gateway's answer (RFC 3947 3, 3.2): the NAT-T version its vendor
 * IDs announce and, with one, its NAT-D hashes against the endpoints the answer travelled
 * between. */
export function natTraversalOfAnswer(
  setting: Profile['natTraversal'],
  peerVendorIds: string[],
  answer: {
    hash: HashName;
    cookies: { initiator: Buffer; responder: Buffer };
    natD: Buffer[];
    arrived: Endpoints;
  },
): NatTraversal {
  const mode = natTModeOf(peerVendorIds);
  const detected = mode
    ? detectNat(answer.hash, answer.cookies, answer.natD, answer.arrived)
    : undefined;
  return decideNatTraversal(setting, mode, detected);
}

export function describeNatTraversal(nat: NatTraversal): string {
  return `NAT-T (${nat.mode}): we are ${nat.localBehindNat ? '' : 'not '}behind a NAT, the gateway is ${nat.peerBehindNat ? '' : 'not '}behind one${nat.forced ? '; UDP encapsulation forced' : ''}`;
}

/** Message 2 carries the hash of our address as the gateway saw it first, then its own. */
function detectNat(
  hash: HashName,
  cookies: { initiator: Buffer; responder: Buffer },
  received: Buffer[],
  endpoints: Endpoints,
): NatState | undefined {
  const [forUs, ...forGateway] = received;
  if (!forUs || forGateway.length === 0) return undefined;
  const ours = natDiscoveryHash(
    hash,
    cookies.initiator,
    cookies.responder,
    endpoints.localAddress,
    endpoints.localPort,
  );
  const theirs = natDiscoveryHash(
    hash,
    cookies.initiator,
    cookies.responder,
    endpoints.gatewayAddress,
    endpoints.gatewayPort,
  );
  return {
    localBehindNat: !ours.equals(forUs),
    peerBehindNat: !forGateway.some((h) => h.equals(theirs)),
  };
}

export function message3NatD(
  hash: HashName,
  cookies: { initiator: Buffer; responder: Buffer },
  endpoints: Endpoints,
  forceEncapsulation: boolean,
): Buffer[] {
  const gateway = natDiscoveryHash(
    hash,
    cookies.initiator,
    cookies.responder,
    endpoints.gatewayAddress,
    endpoints.gatewayPort,
  );
  const local = forceEncapsulation
    ? randomBytes(gateway.length)
    : natDiscoveryHash(
        hash,
        cookies.initiator,
        cookies.responder,
        endpoints.localAddress,
        endpoints.localPort,
      );
  return [gateway, local];
}
