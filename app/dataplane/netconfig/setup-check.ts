// Checks a NetworkSetup before any of it reaches a command line or a script environment:
// values come from the gateway and end up as `ip` arguments and shell variables.
import { isIP } from 'node:net';
import { ipv4ToInt, maskToPrefix } from '../../shared/net.js';
import { DNS_NAME, type ModeConfigResult, type NetworkSetup } from '../../shared/network-setup.js';
import { NetworkConfigError } from './errors.js';

/** Linux IFNAMSIZ is 16 including the NUL; the character set is kept to what needs no quoting. */
const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** RFC 791 minimum datagram every host must accept, and the IPv4 maximum */
const MIN_MTU = 68;
const MAX_MTU = 65535;

/** Throws NetworkConfigError('invalid-setup') naming the first bad value. */
export function checkSetup(setup: NetworkSetup): void {
  const { config } = setup;
  if (!INTERFACE_NAME.test(setup.tunName))
    invalid(`interface name ${JSON.stringify(setup.tunName)}`);
  if (!Number.isInteger(setup.mtu) || setup.mtu < MIN_MTU || setup.mtu > MAX_MTU)
    invalid(`MTU ${setup.mtu}`);
  // the outer family is the gateway's, whatever the tunnel carries
  if (isIP(setup.gateway) === 0) invalid(`gateway address ${JSON.stringify(setup.gateway)}`);
  if (config.internalIp4 === undefined) invalid('Mode Config: no internal address');
  checkAddress(config.internalIp4, 'internal address');
  if (config.internalIp4Netmask !== undefined) {
    try {
      maskToPrefix(config.internalIp4Netmask);
    } catch {
      invalid(`netmask ${config.internalIp4Netmask}`);
    }
  }
  for (const server of [...config.dns, ...config.nbns]) checkAddress(server, 'DNS/WINS server');
  for (const entry of [...config.splitInclude, ...config.splitExclude]) {
    checkAddress(entry.network.address, 'split network');
    const { prefix } = entry.network;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) invalid(`split prefix /${prefix}`);
  }
  // IPv6 in the tunnel (optional)
  const ipv6 = [
    ...(config.internalIp6 === undefined ? [] : [config.internalIp6]),
    ...config.dns6,
    ...config.splitInclude6.map((net) => net.address),
  ];
  for (const address of ipv6)
    if (isIP(address) !== 6) invalid(`IPv6 address ${JSON.stringify(address)}`);
  for (const { prefix } of config.splitInclude6)
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128)
      invalid(`IPv6 split prefix /${prefix}`);
}

/** Search and split-DNS domains that are usable as names; anything else is left out so a
 * hostile value cannot add lines to resolv.conf through a script. */
export function dnsDomains(config: ModeConfigResult): {
  defaultDomain?: string;
  splitDns: string[];
} {
  const defaultDomain =
    config.defaultDomain !== undefined && DNS_NAME.test(config.defaultDomain)
      ? config.defaultDomain
      : undefined;
  return {
    ...(defaultDomain === undefined ? {} : { defaultDomain }),
    splitDns: config.splitDns.filter((name) => DNS_NAME.test(name)),
  };
}

/** The domain names dnsDomains() left out, for the log. */
export function rejectedDomains(config: ModeConfigResult): string[] {
  const names =
    config.defaultDomain === undefined
      ? config.splitDns
      : [config.defaultDomain, ...config.splitDns];
  return names.filter((name) => !DNS_NAME.test(name));
}

function checkAddress(address: string, what: string): void {
  try {
    ipv4ToInt(address);
  } catch {
    invalid(`${what} ${JSON.stringify(address)}`);
  }
}

function invalid(what: string): never {
  throw new NetworkConfigError('invalid-setup', `cannot configure the network: invalid ${what}`);
}
