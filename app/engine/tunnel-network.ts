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

/** Configures the tunnel interface, routes and DNS for the tunnel's ESP SA pairs (IPv4, and
 * IPv6 when there is one); returns the events. */
export async function configureTunnel(
  channel: IkeChannel,
  options: Pick<ConnectOptions, 'profile' | 'skipNetworkConfig' | 'skipDns'>,
  gateway: string,
  config: ModeConfigResult,
  pairs: { ipv4: EspSaPair; ipv6: EspSaPair | undefined },
): Promise<{ network: NetworkEvent; warnings: WarningEvent[] }> {
  const { profile } = options;
  const mtu = profile.mtu ?? tunnelMtu(pairs.ipv4.encryption, pairs.ipv4.integrity);
  const effective = withIpv6Routes(effectiveConfig(config, profile), pairs.ipv6);
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
    ...(effective.internalIp6 !== undefined
      ? {
          internalIp6: effective.internalIp6,
          dns6: effective.dns6,
          splitInclude6: effective.splitInclude6,
        }
      : {}),
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

/** IPv6 goes into the tunnel only with an IPv6 SA: without one the IPv6 configuration is left
 * out (a full tunnel then blocks IPv6 beside it). Without the gateway's INTERNAL_IP6_SUBNET
 * list, the networks its Quick Mode narrowed our ::/0 to are the IPv6 split list (none when
 * it kept ::/0: all of IPv6). */
function withIpv6Routes(config: ModeConfigResult, ipv6: EspSaPair | undefined): ModeConfigResult {
  if (!ipv6) {
    const { internalIp6: _, ...ipv4Only } = config;
    return { ...ipv4Only, dns6: [], splitInclude6: [] };
  }
  if (config.splitInclude6.length > 0) return config;
  return { ...config, splitInclude6: ipv6.selectors.remote.filter((net) => net.prefix > 0) };
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
