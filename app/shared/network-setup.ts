// What Mode Config gave us, and how the data plane should configure the OS with it.
import type { SplitEntry } from './net.js';

/** How much of what a gateway sends a network set-up carries: the engine trims to these, the
 * helper refuses more. */
export const MODE_CONFIG_LIMITS = {
  /** entries per list (DNS, WINS, split networks, split-DNS names, backup servers) */
  listEntries: 256,
  bannerChars: 16 * 1024,
  /** one backup server name */
  textChars: 256,
} as const;

/** A DNS name we pass on (RFC 1035 2.3.1 labels, plus '_' which real networks use): no spaces,
 * quotes or newlines that could smuggle lines into resolv.conf or a script's environment. */
export const DNS_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** Values received through Mode Config (draft-dukes-ike-mode-cfg) and Cisco Unity attributes. */
export interface ModeConfigResult {
  internalIp4?: string;
  internalIp4Netmask?: string;
  dns: string[];
  nbns: string[];
  defaultDomain?: string;
  splitDns: string[];
  splitInclude: SplitEntry[];
  /** Unity LOCAL_LAN: networks that stay outside the tunnel */
  splitExclude: SplitEntry[];
  banner?: string;
  /** Unity SAVE_PASSWD: may the client store the XAuth password */
  savePassword?: boolean;
  /** Unity PFS: the gateway wants PFS in Quick Mode */
  pfs?: boolean;
  backupServers: string[];
  addressExpirySeconds?: number;
}

export interface NetworkSetup {
  /** TUN interface name, e.g. rw0 */
  tunName: string;
  mtu: number;
  /** gateway IP: its route stays outside the tunnel */
  gateway: string;
  config: ModeConfigResult;
  /** 'builtin' for the iproute2 configurator, 'none' to only create the TUN (--no-script),
   * else the path of a vpnc-script compatible program */
  script: 'builtin' | 'none' | { path: string };
  /** leave DNS alone (tests: never touch the host's resolv.conf) */
  skipDns?: boolean;
}
