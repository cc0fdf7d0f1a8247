// IPv4 network arithmetic the configurators need beyond app/shared/net.ts.
import { type Ipv4Net, intToIpv4, ipv4ToInt, prefixToMask } from '../../shared/net.js';

/** The network with its host bits cleared: `ip route` refuses 198.19.77.5/24. */
export function normaliseNet(net: Ipv4Net): Ipv4Net {
  const mask = ipv4ToInt(prefixToMask(net.prefix));
  return { address: intToIpv4((ipv4ToInt(net.address) & mask) >>> 0), prefix: net.prefix };
}
