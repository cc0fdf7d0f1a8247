// Mode Config values checked for meaning, not only syntax, before anything is configured: a
// gateway (or whoever forged its answer before phase 1 was checked) must not be able to point
// DNS at loopback, route loopback or multicast into the tunnel, take the route to the gateway
// itself, widen a split tunnel the profile pinned, or send lists the helper would refuse.
import {
  type Ipv4Net,
  type SplitEntry,
  formatNet,
  isNonHostNet,
  isUsableHostAddress,
  maskToPrefix,
} from '../shared/net.js';
import { isNonHostNet6, isUsableHostAddress6 } from '../shared/net6.js';
import {
  ATTRIBUTE_KINDS,
  DNS_NAME,
  MODE_CONFIG_ATTRIBUTES,
  MODE_CONFIG_LIMITS,
  type ModeConfigField,
  type ModeConfigResult,
} from '../shared/mode-config-attributes.js';
import { EngineError } from './api.js';

export interface MeaningfulModeConfig {
  config: ModeConfigResult;
  /** what was left out, in words, for the log */
  dropped: string[];
}

/** Throws modecfg-no-address when the internal address is no usable host address. IPv6 is
 * optional: an unusable IPv6 address is dropped (the tunnel stays IPv4), and with `ipv6` false
 * (profile ipv6: off) whatever IPv6 the gateway sent anyway is. */
export function meaningfulModeConfig(
  config: ModeConfigResult,
  gateway: string,
  ipv6 = true,
): MeaningfulModeConfig {
  const dropped: string[] = [];
  const { internalIp4, internalIp4Netmask } = config;
  if (internalIp4 !== undefined && !isUsableHostAddress(internalIp4))
    throw new EngineError(
      'modecfg-no-address',
      `the gateway assigned ${internalIp4} as virtual IP address, which no host can use`,
    );
  const keep = <T>(
    list: T[],
    what: string,
    usable: (item: T) => boolean,
    show: (item: T) => string,
  ) => {
    const kept = list.filter(usable);
    const refused = list.filter((item) => !usable(item));
    if (refused.length) dropped.push(`${what} ${refused.map(show).join(', ')}`);
    if (kept.length > MODE_CONFIG_LIMITS.listEntries)
      dropped.push(
        `${what}: ${kept.length - MODE_CONFIG_LIMITS.listEntries} beyond the first ${MODE_CONFIG_LIMITS.listEntries}`,
      );
    return kept.slice(0, MODE_CONFIG_LIMITS.listEntries);
  };
  const server = (address: string) => isUsableHostAddress(address);
  const text = (value: string) => JSON.stringify(value);
  const entry = (e: SplitEntry) => formatNet(e.network);
  const gatewayNet: Ipv4Net = { address: gateway, prefix: 32 };
  const result: ModeConfigResult = {
    ...config,
    dns: keep(config.dns, 'DNS servers', server, String),
    nbns: keep(config.nbns, 'WINS servers', server, String),
    splitDns: keep(config.splitDns, 'split-DNS names', (n) => DNS_NAME.test(n), text),
    // 0.0.0.0/0 means "everything": a full tunnel, kept
    splitInclude: keep(
      config.splitInclude,
      'split networks',
      (e) =>
        (e.network.prefix === 0 || !isNonHostNet(e.network)) &&
        formatNet(e.network) !== formatNet(gatewayNet),
      entry,
    ),
    splitExclude: keep(
      config.splitExclude,
      'Local LAN networks',
      (e) => e.network.prefix > 0 && !isNonHostNet(e.network),
      entry,
    ),
    dns6: keep(config.dns6, 'IPv6 DNS servers', isUsableHostAddress6, String),
    // ::/0 means all of IPv6, kept
    splitInclude6: keep(
      config.splitInclude6,
      'IPv6 split networks',
      (n) => n.prefix === 0 || !isNonHostNet6(n),
      formatNet,
    ),
    backupServers: keep(
      config.backupServers,
      'backup servers',
      (name) => name.length <= MODE_CONFIG_LIMITS.textChars,
      (name) => text(name.slice(0, 64)),
    ),
  };
  fitToKinds(result, dropped, keep);
  if (config.internalIp6 !== undefined && !isUsableHostAddress6(config.internalIp6)) {
    dropped.push(`IPv6 address ${config.internalIp6}, which no host can use: IPv4 only`);
    delete result.internalIp6;
  }
  if (!ipv6) withoutIpv6(result, dropped);
  if (internalIp4Netmask !== undefined && !usefulNetmask(internalIp4Netmask)) {
    dropped.push(`netmask ${internalIp4Netmask}`);
    delete result.internalIp4Netmask;
  }
  if (config.defaultDomain !== undefined && !DNS_NAME.test(config.defaultDomain)) {
    dropped.push(`default domain ${text(config.defaultDomain)}`);
    delete result.defaultDomain;
  }
  if (config.banner !== undefined && config.banner.length > MODE_CONFIG_LIMITS.bannerChars) {
    dropped.push(`banner text beyond ${MODE_CONFIG_LIMITS.bannerChars} characters`);
    result.banner = config.banner.slice(0, MODE_CONFIG_LIMITS.bannerChars);
  }
  return { config: result, dropped };
}

/** The fields checked above by their meaning; any other field of the table (a new attribute)
 * is held to its kind's schema, the helper's, so it can never fail a connect. */
const OWN_RULES = new Set<ModeConfigField>([
  'internalIp4',
  'internalIp6',
  'dns6',
  'splitInclude6',
  'internalIp4Netmask',
  'dns',
  'nbns',
  'splitDns',
  'splitInclude',
  'splitExclude',
  'backupServers',
  'defaultDomain',
  'banner',
]);

function fitToKinds(
  result: ModeConfigResult,
  dropped: string[],
  keep: (
    list: unknown[],
    what: string,
    usable: (item: unknown) => boolean,
    show: (item: unknown) => string,
  ) => unknown[],
): void {
  const fields = result as Record<string, unknown>;
  for (const { field, kind } of MODE_CONFIG_ATTRIBUTES) {
    if (OWN_RULES.has(field) || fields[field] === undefined) continue;
    const { list, schema } = ATTRIBUTE_KINDS[kind];
    const fits = (value: unknown) => schema.safeParse(value).success;
    if (list)
      fields[field] = keep(fields[field] as unknown[], field, fits, (v) => JSON.stringify(v));
    else if (!fits(fields[field])) {
      dropped.push(`${field} ${JSON.stringify(fields[field])}`);
      fields[field] = undefined;
    }
  }
}

/** The profile keeps IPv6 out of the tunnel: the IPv6 fields the gateway sent anyway go. */
function withoutIpv6(result: ModeConfigResult, dropped: string[]): void {
  const sent = [result.internalIp6, ...result.dns6, ...result.splitInclude6.map(formatNet)].filter(
    (v) => v !== undefined,
  );
  if (sent.length) dropped.push(`IPv6 ${sent.join(', ')} (the profile has ipv6 off)`);
  delete result.internalIp6;
  result.dns6 = [];
  result.splitInclude6 = [];
}

/** A netmask of 0.0.0.0 would route everything into the tunnel by the back door (vpnc-script
 * routes the internal network), past a split tunnel the profile chose. */
function usefulNetmask(mask: string): boolean {
  try {
    return maskToPrefix(mask) > 0;
  } catch {
    return false;
  }
}
