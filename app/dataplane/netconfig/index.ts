// OS network configuration for the data plane: the built-in iproute2 configurator or a
// vpnc-script, both with an undo journal and crash records for cleanupStale().
import type { NetworkSetup } from '../../shared/network-setup.js';
import { BuiltinConfigurator } from './builtin-configurator.js';
import type { ConfiguratorOptions, NetworkConfigurator } from './configurator.js';
import { ScriptConfigurator } from './script-configurator.js';

export { BuiltinConfigurator } from './builtin-configurator.js';
export { Lockdown, type LockdownSpec } from './lockdown.js';
export { cleanupStale, type CleanupReport } from './cleanup-stale.js';
export type { ConfiguratorOptions, NetworkConfigurator } from './configurator.js';
export { DEFAULT_STATE_DIR } from './crash-record.js';
export { NetworkConfigError, type NetworkConfigErrorCode } from './errors.js';
export { ScriptConfigurator } from './script-configurator.js';
export { type VpncScriptReason, vpncScriptEnvironment } from './vpnc-script-env.js';

/** Leaves the OS alone (--no-script): only the TUN exists. */
const UNCONFIGURED: NetworkConfigurator = {
  apply: (setup) =>
    Promise.resolve({
      tunName: setup.tunName,
      mtu: setup.mtu,
      changes: ['network left unconfigured (no script)'],
    }),
  undo: () => Promise.resolve(),
};

export function createConfigurator(
  setup: NetworkSetup,
  options: ConfiguratorOptions = {},
): NetworkConfigurator {
  if (setup.script === 'builtin') return new BuiltinConfigurator(options);
  if (setup.script === 'none') return UNCONFIGURED;
  return new ScriptConfigurator(setup.script.path, options);
}
