// What Mode Config gave us, and how the data plane should configure the OS with it.
import type { ModeConfigResult } from './mode-config-attributes.js';

export { DNS_NAME, MODE_CONFIG_LIMITS, type ModeConfigResult } from './mode-config-attributes.js';

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
