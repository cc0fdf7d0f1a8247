// The lab's fixed addressing plan. Only documentation and benchmarking ranges
// (RFC 5737 192.0.2.0/24 and 198.51.100.0/24, RFC 2544 198.18.0.0/15) and a unique local
// IPv6 prefix (RFC 4193), all inside namespaces.
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
  /** A second public address of the head-end (gw, wan0), served like the first: a backup
   * gateway or cluster member the client is sent to (backup-gateways interop test). */
  gatewayBackup: '198.51.100.3',
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

/**
 * The same plan in IPv6, next to the IPv4 one on every link (the lab is dual stack). A ULA
 * prefix (RFC 4193: fd00::/8, global ID 72:0077:00) fd72:77::/48, one /64 per link whose
 * fourth group echoes the IPv4 plan: :2: the client's LAN, :100: the public link, :77: the
 * protected LAN, :99: reserved for a Mode Config IPv6 pool. Hosts keep their IPv4 host numbers.
 */
export const LAB_ADDRESSES6 = {
  client: 'fd72:77:0:2::2',
  clientNetwork: 'fd72:77:0:2::/64',
  natInside: 'fd72:77:0:2::1',
  natOutside: 'fd72:77:0:100::2',
  gateway: 'fd72:77:0:100::1',
  gatewayLan: 'fd72:77:0:77::1',
  lanHost: 'fd72:77:0:77::10',
  lanNetwork: 'fd72:77:0:77::/64',
  pool: 'fd72:77:0:99::/64',
  dns: 'fd72:77:0:77::53',
} as const;

/** Prefix length of every IPv6 link in the lab. */
export const LAB_PREFIX_LENGTH6 = 64;

/** Which of the gateway's addresses a client is given (lab option gatewayFamily). */
export function labGatewayAddress(family: 4 | 6): string {
  return family === 6 ? LAB_ADDRESSES6.gateway : LAB_ADDRESSES.gateway;
}

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
