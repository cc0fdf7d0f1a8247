// What Mode Config gave us, and how the data plane should configure the OS with it.
import type { SplitEntry } from './net.js';

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
