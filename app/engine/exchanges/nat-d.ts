// NAT discovery (RFC 3947 3): each side hashes the addresses it sees; a hash that does not
// match means a NAT rewrote that end. Our message 3 lists the gateway's address first, then
// our own (3.2). With forced encapsulation we send a local hash that cannot match, so the
// gateway believes we are behind a NAT and encapsulates ESP in UDP, as other clients do.
import { randomBytes } from 'node:crypto';
import { natDiscoveryHash } from '../crypto/index.js';
import type { HashName } from '../proposals.js';

export interface Endpoints {
  localAddress: string;
  localPort: number;
  gatewayAddress: string;
  gatewayPort: number;
}

export interface NatState {
  localBehindNat: boolean;
  peerBehindNat: boolean;
}

/** Message 2 carries the hash of our address as the gateway saw it first, then its own. */
export function detectNat(
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
