// What every OS network configurator offers, and the options they share.
import type { AppliedNetwork } from '../../shared/dataplane-port.js';
import type { NetworkSetup } from '../../shared/network-setup.js';

export interface NetworkConfigurator {
  /** configure addresses, routes and DNS; on failure everything done so far is undone */
  apply(setup: NetworkSetup): Promise<AppliedNetwork>;
  /** take back everything apply() did; safe to call twice */
  undo(): Promise<void>;
}

export interface ConfiguratorOptions {
  /** where crash records go (default /run/roadwarrior/records) */
  stateDir?: string;
  /** admin directories a recorded vpnc-script must still lie in to be replayed after a crash
   * (the helper's script policy); unset: replayed as recorded (a root CLI's own choice) */
  scriptDirs?: readonly string[];
  /** work inside this network namespace: `ip -n <ns>`, `ip netns exec <ns> <program>` */
  netns?: string;
  /** limit per program run (ip, resolvectl, vpnc-script), default 20 s */
  timeoutMs?: number;
  /** resolvectl program for the built-in DNS setup (default: resolvectl from PATH) */
  resolvectl?: string;
}
