// The lab's fixed addressing plan. Only documentation and benchmarking ranges
// (RFC 5737 192.0.2.0/24 and 198.51.100.0/24, RFC 2544 198.18.0.0/15), all inside namespaces.
import { ipv4ToInt, netContains } from '../../app/shared/net.js';

/** Addresses every lab uses; they never collide across labs because each lab has its own namespaces. */
export const LAB_ADDRESSES = {
  /** The VPN client's own address (cli namespace, eth0). */
  client: '192.0.2.2',
  /** The client's LAN behind the NAT (masqueraded). */
  clientNetwork: '192.0.2.0/24',
  /** The NAT router toward the client; the client's default gateway. */
  natInside: '192.0.2.1',
  /** The NAT router's public side; what the gateway sees as the client's address. */
  natOutside: '198.51.100.2',
  /** The IKE head-end's public address (gw namespace, wan0). */
  gateway: '198.51.100.1',
  /** The head-end's address on the protected LAN. */
  gatewayLan: '198.19.77.1',
  /** A host on the protected LAN that answers ping (lan namespace). */
  lanHost: '198.19.77.10',
  /** The protected network (Unity split-include in split-tunnel mode). */
  lanNetwork: '198.19.77.0/24',
  /** Virtual IPs handed out by Mode Config. */
  pool: '198.19.99.0/24',
  /** Mode Config INTERNAL_IP4_DNS; nothing listens there, the address is only advertised. */
  dns: '198.19.77.53',
  /** Mode Config INTERNAL_IP4_NBNS (advertised only). */
  nbns: '198.19.77.54',
} as const;

/** Prefix length of every link in the lab. */
export const LAB_PREFIX_LENGTH = 24;

/** Interface names inside each namespace (they live only there, so they need no run id). */
export const LAB_INTERFACES = {
  /** cli namespace: the client's only link, toward the NAT. */
  client: 'eth0',
  /** nat namespace: toward the client. */
  natInside: 'inside0',
  /** nat namespace: toward the gateway (masquerade happens here). */
  natOutside: 'outside0',
  /** gw namespace: the public side. */
  gatewayWan: 'wan0',
  /** gw namespace: the protected LAN side. */
  gatewayLan: 'lan0',
  /** lan namespace: the LAN host's link. */
  lanHost: 'eth0',
} as const;

/** True when dotted-quad `address` lies inside `cidr` ("a.b.c.d/len"). */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const [network = '', prefix = '32'] = cidr.split('/');
  return netContains({ address: network, prefix: Number(prefix) }, ipv4ToInt(address));
}
