// The tunnel's network: what the data plane is asked to set up from Mode Config (or the
// profile's split-tunnel override), the 'network' event that says what it did, and the
// warnings it gave (a full tunnel whose DNS or IPv6 it could not keep inside).
import type { AppliedNetwork, IkeChannel } from '../shared/dataplane-port.js';
import type { EspSaPair } from '../shared/esp-sa.js';
import type { NetworkEvent, WarningEvent } from '../shared/events.js';
import { splitEntryFromCidr } from '../shared/net.js';
import type { ModeConfigResult, NetworkSetup } from '../shared/network-setup.js';
import type { Profile } from '../shared/profile.js';
import { type ConnectOptions, EngineError } from './api.js';
import { eventTime } from './event-time.js';
import { tunnelMtu } from './mtu.js';
import { warning } from './security-warnings.js';

/** Configures the tunnel interface, routes and DNS for an ESP SA pair; returns the events. */
export async function configureTunnel(
  channel: IkeChannel,
  options: Pick<ConnectOptions, 'profile' | 'skipNetworkConfig' | 'skipDns'>,
  gateway: string,
  config: ModeConfigResult,
  pair: EspSaPair,
): Promise<{ network: NetworkEvent; warnings: WarningEvent[] }> {
  const { profile } = options;
  const mtu = profile.mtu ?? tunnelMtu(pair.encryption, pair.integrity);
  const effective = effectiveConfig(config, profile);
  const applied = await configureOrExplain(channel, {
    tunName: profile.tunName,
    mtu,
    gateway,
    config: effective,
    script: options.skipNetworkConfig
      ? 'none'
      : profile.script === 'builtin'
        ? 'builtin'
        : { path: profile.script },
    skipDns: options.skipDns ?? false,
  });
  const network: NetworkEvent = {
    type: 'network',
    at: eventTime(),
    tunName: applied.tunName,
    mtu: applied.mtu,
    internalIp4: config.internalIp4,
    dns: config.dns,
    nbns: config.nbns,
    defaultDomain: config.defaultDomain,
    splitDns: config.splitDns,
    splitInclude: effective.splitInclude,
    splitExclude: config.splitExclude,
    banner: config.banner,
    savePasswordAllowed: config.savePassword,
    backupServers: config.backupServers,
    changes: applied.changes,
  };
  return {
    network,
    warnings: (applied.warnings ?? []).map((w) => warning(w.code, w.message)),
  };
}

/** A profile's split-tunnel override replaces what the gateway sent. */
function effectiveConfig(config: ModeConfigResult, profile: Profile): ModeConfigResult {
  const override = profile.splitTunnelOverride;
  if (!override) return config;
  return {
    ...config,
    splitInclude: override.map(splitEntryFromCidr),
  };
}

/** Network set-up failures keep the data plane's own words, under a stable code. */
async function configureOrExplain(
  channel: IkeChannel,
  setup: NetworkSetup,
): Promise<AppliedNetwork> {
  try {
    return await channel.configureNetwork(setup);
  } catch (error) {
    throw new EngineError(
      'network-config-failed',
      `could not set up the tunnel interface and routes: ${(error as Error).message}`,
    );
  }
}
