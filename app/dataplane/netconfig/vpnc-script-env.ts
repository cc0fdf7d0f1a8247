// The vpnc-script environment contract, as vpnc and openconnect export it (variable list in the
// header of vpnc-scripts' vpnc-script). Values are written the way Debian's
// /usr/share/vpnc-scripts/vpnc-script reads them.
import { formatNet, maskToPrefix, prefixToMask } from '../../shared/net.js';
import type { SplitEntry } from '../../shared/net.js';
import type { NetworkSetup } from '../../shared/network-setup.js';
import { normaliseNet } from './net-math.js';
import { dnsDomains } from './setup-check.js';

export type VpncScriptReason =
  'pre-init' | 'connect' | 'disconnect' | 'reconnect' | 'attempt-reconnect';

/** What a point-to-point address without a Mode Config netmask is (the script then only adds a
 * redundant host route for the address, `ip route replace <addr>/32 dev $TUNDEV`). */
const HOST_NETMASK = '255.255.255.255';

/** Keys a script reads; removed from the inherited environment so stale ones cannot leak in. */
export const CONTRACT_KEY = /^(reason|VPNGATEWAY|TUNDEV|VPNPID|INTERNAL_IP[46]_|CISCO_)/;

/**
 * The environment for calling a vpnc-script. `extra` adds variables outside the Mode Config
 * contract (VPNPID, IDLE_TIMEOUT); contract keys win over it. With setup.skipDns the DNS
 * variables are left out, so the script does not touch resolv.conf.
 */
export function vpncScriptEnvironment(
  reason: VpncScriptReason,
  setup: NetworkSetup,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const { config } = setup;
  const env: Record<string, string> = {
    ...extra,
    reason,
    VPNGATEWAY: setup.gateway,
    TUNDEV: setup.tunName,
  };
  if (config.internalIp4 !== undefined) {
    const netmask = config.internalIp4Netmask ?? HOST_NETMASK;
    const prefix = maskToPrefix(netmask);
    env['INTERNAL_IP4_ADDRESS'] = config.internalIp4;
    env['INTERNAL_IP4_NETMASK'] = netmask;
    // the script uses NETADDR/NETMASKLEN whenever NETMASK is set: `ip route replace $NETADDR/$NETMASKLEN`
    env['INTERNAL_IP4_NETMASKLEN'] = String(prefix);
    env['INTERNAL_IP4_NETADDR'] = normaliseNet({ address: config.internalIp4, prefix }).address;
  }
  env['INTERNAL_IP4_MTU'] = String(setup.mtu);
  // IPv6 in the tunnel: the address as a host address (the script adds NETMASK as given)
  if (config.internalIp6 !== undefined) {
    env['INTERNAL_IP6_ADDRESS'] = config.internalIp6;
    env['INTERNAL_IP6_NETMASK'] = `${config.internalIp6}/128`;
    if (!setup.skipDns && config.dns6.length > 0) env['INTERNAL_IP6_DNS'] = config.dns6.join(' ');
    // no list: the script routes all of IPv6 into the tunnel
    if (config.splitInclude6.length > 0) {
      env['CISCO_IPV6_SPLIT_INC'] = String(config.splitInclude6.length);
      config.splitInclude6.forEach((net, index) => {
        env[`CISCO_IPV6_SPLIT_INC_${index}_ADDR`] = net.address;
        env[`CISCO_IPV6_SPLIT_INC_${index}_MASKLEN`] = String(net.prefix);
      });
    }
  }
  if (!setup.skipDns) {
    const domains = dnsDomains(config);
    if (config.dns.length > 0) env['INTERNAL_IP4_DNS'] = config.dns.join(' ');
    if (domains.defaultDomain !== undefined) env['CISCO_DEF_DOMAIN'] = domains.defaultDomain;
    // openconnect joins split-DNS names with ','; the script turns ',' back into spaces
    if (domains.splitDns.length > 0) env['CISCO_SPLIT_DNS'] = domains.splitDns.join(',');
  }
  if (config.nbns.length > 0) env['INTERNAL_IP4_NBNS'] = config.nbns.join(' ');
  if (config.banner !== undefined) env['CISCO_BANNER'] = cString(config.banner);
  addSplitList(env, 'CISCO_SPLIT_INC', config.splitInclude);
  addSplitList(env, 'CISCO_SPLIT_EXC', config.splitExclude);
  return env;
}

/** CISCO_SPLIT_{INC,EXC} count plus _%d_ADDR/MASK/MASKLEN/PROTOCOL/SPORT/DPORT, as vpnc sets them. */
function addSplitList(
  env: Record<string, string>,
  name: string,
  entries: readonly SplitEntry[],
): void {
  if (entries.length === 0) return;
  env[name] = String(entries.length);
  entries.forEach((entry, index) => {
    const prefix = `${name}_${index}_`;
    env[`${prefix}ADDR`] = entry.network.address;
    env[`${prefix}MASK`] = prefixToMask(entry.network.prefix);
    env[`${prefix}MASKLEN`] = String(entry.network.prefix);
    env[`${prefix}PROTOCOL`] = String(entry.protocol);
    env[`${prefix}SPORT`] = String(entry.sourcePort);
    env[`${prefix}DPORT`] = String(entry.destinationPort);
  });
}

/** Environment values end at a NUL, as they do for vpnc's C strings (and spawn rejects them). */
function cString(value: string): string {
  const end = value.indexOf('\0');
  return end === -1 ? value : value.slice(0, end);
}

/** For logs: "198.19.77.0/24, 10.0.0.0/8". */
export function describeSplit(entries: readonly SplitEntry[]): string {
  return entries.map((entry) => formatNet(entry.network)).join(', ');
}
