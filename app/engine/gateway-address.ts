// The profile's gateway as the address IKE goes to: an IPv4 or IPv6 literal as written, a name
// through the system resolver (A and AAAA records).
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { EngineError } from './api.js';

/**
 * Of a name's addresses, the first IPv4 one, else the first IPv6 one. IPv4 wins when a name has
 * both: a head-end publishing an AAAA record does not mean its IKEv1 remote-access service
 * listens on IPv6 (many enable it on their IPv4 outside interface only), and an attempt that
 * gets no answer costs the whole retransmission schedule with no fallback. So a name that gains
 * an AAAA record keeps connecting as before; IPv6 is used for an AAAA-only name or an IPv6
 * literal in the profile.
 */
export function preferredAddress(addresses: readonly LookupAddress[]): string | undefined {
  return (addresses.find((a) => a.family === 4) ?? addresses.find((a) => a.family === 6))?.address;
}

export async function resolveGateway(gateway: string): Promise<string> {
  if (isIP(gateway)) return gateway;
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(gateway, { all: true });
  } catch (error) {
    throw new EngineError(
      'gateway-resolve-failed',
      `cannot resolve the gateway name ${gateway} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const address = preferredAddress(addresses);
  if (address === undefined)
    throw new EngineError(
      'gateway-resolve-failed',
      `cannot resolve the gateway name ${gateway} (no IPv4 or IPv6 address)`,
    );
  return address;
}
