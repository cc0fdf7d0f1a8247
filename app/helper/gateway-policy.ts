// Which addresses a caller may name as its gateway. The helper sends IKE there as root and keeps
// a host route to it outside the tunnel, so a gateway must be a remote unicast host: never this
// machine (loopback, its own addresses: a local service would become "the gateway"), never
// link-local, multicast, broadcast or unspecified.
import { BlockList, isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

const NOT_A_GATEWAY: readonly [string, string, number, 'ipv4' | 'ipv6'][] = [
  ['an unspecified ("this network") address', '0.0.0.0', 8, 'ipv4'],
  ['a loopback address', '127.0.0.0', 8, 'ipv4'],
  ['a link-local address', '169.254.0.0', 16, 'ipv4'],
  ['a multicast address', '224.0.0.0', 4, 'ipv4'],
  ['the broadcast address', '255.255.255.255', 32, 'ipv4'],
  ['the unspecified address', '::', 128, 'ipv6'],
  ['a loopback address', '::1', 128, 'ipv6'],
  ['a link-local address', 'fe80::', 10, 'ipv6'],
  ['a multicast address', 'ff00::', 8, 'ipv6'],
];

const RANGES = NOT_A_GATEWAY.map(([what, network, prefix, family]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { what, list };
});

/** Why `address` (an IP literal) cannot be a gateway, or undefined when it can. */
export function gatewayProblem(
  address: string,
  localAddresses: () => readonly string[] = hostAddresses,
): string | undefined {
  // ::ffff:127.0.0.1 is 127.0.0.1
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  const family = isIPv4(plain) ? 'ipv4' : 'ipv6';
  const range = RANGES.find(({ list }) => list.check(plain, family));
  if (range) return `gateway ${address} is ${range.what}, not a remote host`;
  const normalised = new BlockList();
  normalised.addAddress(plain, family);
  if (localAddresses().some((own) => normalised.check(own, isIPv4(own) ? 'ipv4' : 'ipv6'))) {
    return `gateway ${address} is an address of this host, not a remote host`;
  }
  return undefined;
}

/** Every address configured on this host's interfaces (in the helper's network namespace). */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) =>
    (entries ?? []).map((entry) => entry.address.replace(/%.*$/, '')),
  );
}
