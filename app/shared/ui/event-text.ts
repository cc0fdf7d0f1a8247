// Engine events in words: the one module that turns them into text. The CLI prints its lines
// and `roadwarrior status` its tunnels, the log file and the log export write its log lines and
// diagnoses, the desktop shows its SA details and copies them, its diagnoses, its log lines and
// what each error code means; nothing else words an event.
import { dhGroupLabel } from '../algorithms.js';
import {
  type CountersEvent,
  type DiagnosisEvent,
  type EngineEvent,
  type ErrorCode,
  type IkeSaEvent,
  type IpsecSaEvent,
  type LogEvent,
  type LogLevel,
  type NetworkEvent,
  type WarningCode,
  logLevels,
} from '../events.js';
import { formatAgo, formatDuration, formatNet } from './format.js';

/** What each step of the exchange means, for the CLI's progress lines. */
const STATE_TEXT: Partial<Record<string, string>> = {
  'am1-sent': 'phase 1: aggressive mode message 1 sent',
  'am2-received': 'phase 1: gateway answered (message 2)',
  'am3-sent': 'phase 1: authenticated, message 3 sent',
  xauth: 'XAuth: the gateway asks for credentials',
  modecfg: 'Mode Config: asking for address and settings',
  'qm1-sent': 'phase 2: Quick Mode proposal sent',
  'qm2-received': 'phase 2: gateway chose a transform',
  'qm3-sent': 'phase 2: SA established',
  rekeying: 'rekeying',
  reconnecting: 'reconnecting',
  disconnecting: 'disconnecting',
  disconnected: 'disconnected',
};

/** A short title above each warning's own message. */
export const WARNING_TITLES: Record<WarningCode, string> = {
  'aggressive-mode-group-psk': 'The group key is not a secret',
  'group-psk-shared': 'The group key is shared',
  'weak-algorithm': 'Weak algorithm in use',
  'pfs-off': 'No perfect forward secrecy',
  'dns-not-set': 'DNS does not go through the tunnel',
  'ipv6-not-blocked': 'IPv6 may bypass the tunnel',
  'ipv6-refused': 'IPv6 not carried by the tunnel',
  'revocation-unchecked': 'The gateway certificate’s revocation was not checked',
};

/** A log record as one line: the log file, the log export and the log pane's Copy. */
export function logLineText(event: LogEvent): string {
  return `${new Date(event.at).toISOString()} ${event.level.toUpperCase().padEnd(5)} ${event.phase.padEnd(13)} ${event.message}`;
}

/** A diagnosis: code and cause, each piece of evidence, what to try. */
export function diagnosisText(event: DiagnosisEvent): string {
  if (event.cleared) return `diagnosis cleared (${event.code}): ${event.evidence.at(-1) ?? ''}\n`;
  const evidence = event.evidence.map((line) => `  - ${line}\n`).join('');
  return `diagnosis (${event.code}): ${event.cause}\n${evidence}  try: ${event.next}\n`;
}

function natText(natT: IkeSaEvent['natT']): string {
  if (natT.mode === 'none') return 'not used';
  const where = natT.localBehindNat
    ? 'we are behind NAT'
    : natT.peerBehindNat
      ? 'gateway behind NAT'
      : 'no NAT detected';
  return `${natT.mode === 'rfc3947' ? 'RFC 3947' : 'draft'} · ${where}${natT.forced ? ' · encapsulation forced' : ''} · UDP ${natT.localPort} → ${natT.gatewayPort}`;
}

function remaining(since: number, lifetimeSeconds: number, now: number): string {
  const left = lifetimeSeconds - (now - since) / 1000;
  return `${formatDuration(left)} of ${formatDuration(lifetimeSeconds)}`;
}

/** One line of the tunnel's details; `key` names it for the page, `code` marks identifiers and
 * addresses, `items` a list (shown as one, copied as `text`). */
export interface DetailRow {
  key: string;
  label: string;
  text: string;
  code?: boolean;
  items?: string[];
}

export interface Details {
  title: string;
  rows: DetailRow[];
}

/** A list row: its items, or `empty` when there are none. */
function listRow(
  key: string,
  label: string,
  items: string[],
  empty: string,
  code?: true,
): DetailRow {
  return { key, label, text: items.join(', ') || empty, items, ...(code ? { code } : {}) };
}

/** What the gateway handed out through Mode Config and what the tunnel uses. */
export function tunnelDetails(
  network: NetworkEvent,
  connectedAt: number | undefined,
  now: number,
): Details {
  const nets = (entries: NetworkEvent['splitInclude']) => entries.map((e) => formatNet(e.network));
  return {
    title: 'Tunnel',
    rows: [
      { key: 'virtual-ip', label: 'Assigned IP', text: network.internalIp4 ?? 'none', code: true },
      ...(network.internalIp6
        ? [{ key: 'virtual-ip6', label: 'Assigned IPv6', text: network.internalIp6, code: true }]
        : []),
      { key: 'interface', label: 'Interface', text: `${network.tunName} · MTU ${network.mtu}` },
      {
        key: 'dns',
        label: 'DNS servers',
        text: [...network.dns, ...(network.dns6 ?? [])].join(', ') || 'unchanged',
        code: true,
      },
      { key: 'domain', label: 'Domain', text: network.defaultDomain ?? 'none' },
      ...(network.splitDns.length
        ? [{ key: 'split-dns', label: 'Split DNS', text: network.splitDns.join(', ') }]
        : []),
      listRow(
        'split-networks',
        'Through the tunnel',
        nets(network.splitInclude),
        'all traffic (full tunnel)',
        true,
      ),
      ...(network.internalIp6
        ? [
            listRow(
              'split-networks6',
              'IPv6 through the tunnel',
              (network.splitInclude6 ?? []).map(formatNet),
              'all IPv6 traffic',
              true,
            ),
          ]
        : []),
      ...(network.splitExclude.length
        ? [listRow('local-lan', 'Kept local', nets(network.splitExclude), '', true)]
        : []),
      {
        key: 'connected-for',
        label: 'Connected for',
        text: connectedAt ? formatDuration((now - connectedAt) / 1000) : '–',
      },
    ],
  };
}

/** Phase 1 as negotiated: what a head-end's `show crypto isakmp sa detail` would tell. */
export function ikeSaDetails(
  ike: IkeSaEvent,
  counters: CountersEvent | undefined,
  now: number,
): Details {
  const lastHeard = counters?.total.lastInboundAt ?? 0;
  return {
    title: 'Phase 1 · IKE SA',
    rows: [
      {
        key: 'ike-cookies',
        label: 'Cookies (I / R)',
        text: `${ike.initiatorCookie} / ${ike.responderCookie}`,
        code: true,
      },
      { key: 'ike-encryption', label: 'Encryption', text: ike.encryption },
      { key: 'ike-integrity', label: 'Integrity', text: ike.hash },
      { key: 'ike-group', label: 'DH group', text: dhGroupLabel(ike.dhGroup) },
      { key: 'ike-auth', label: 'Authentication', text: ike.authMethod },
      {
        key: 'ike-lifetime',
        label: 'Lifetime left',
        text: remaining(ike.at, ike.lifetimeSeconds, now),
      },
      { key: 'ike-nat-t', label: 'NAT-T', text: natText(ike.natT) },
      {
        key: 'ike-dpd',
        label: 'DPD',
        text: ike.dpd
          ? `on · gateway last heard ${formatAgo(lastHeard, now)}`
          : 'not supported by the gateway',
      },
      { key: 'ike-peer-id', label: 'Gateway ID', text: ike.peerId, code: true },
      listRow('ike-vendor-ids', 'Gateway vendor IDs', ike.peerVendorIds, 'none'),
    ],
  };
}

/** One phase 2 SA as negotiated: what `show crypto ipsec sa` would tell. */
export function ipsecSaDetails(sa: IpsecSaEvent, now: number): Details {
  return {
    title: `Phase 2 · IPsec SA (${sa.id})`,
    rows: [
      { key: 'ipsec-spis', label: 'SPI in / out', text: `${sa.spiIn} / ${sa.spiOut}`, code: true },
      { key: 'ipsec-transform', label: 'Transform', text: sa.transform },
      {
        key: 'ipsec-pfs',
        label: 'PFS',
        text: sa.pfsGroup ? `group ${dhGroupLabel(sa.pfsGroup)}` : 'off',
      },
      {
        key: 'ipsec-lifetime',
        label: 'Lifetime left',
        text: remaining(sa.at, sa.lifetimeSeconds, now),
      },
      { key: 'ipsec-rekeys', label: 'Rekeys', text: String(sa.rekeyCount) },
      {
        key: 'ipsec-local',
        label: 'Local',
        text: sa.localSelectors.map(formatNet).join(', '),
        code: true,
      },
      {
        key: 'ipsec-remote',
        label: 'Remote',
        text: sa.remoteSelectors.map(formatNet).join(', '),
        code: true,
      },
    ],
  };
}

/** Details as plain text, for the desktop's "Copy details". */
export function detailsText(details: Details[]): string {
  return details
    .map(
      ({ title, rows }) =>
        `${title}\n${rows.map(({ label, text }) => `  ${label}: ${text}\n`).join('')}`,
    )
    .join('\n');
}

function networkText(event: NetworkEvent): string {
  const split = event.splitInclude.length
    ? `split: ${event.splitInclude.map((s) => formatNet(s.network)).join(' ')}`
    : 'full tunnel';
  const banner = event.banner
    ? `gateway banner:\n  ${event.banner.split('\n').join('\n  ')}\n`
    : '';
  const ipv6 = event.internalIp6
    ? `; IPv6 ${event.internalIp6}, DNS ${event.dns6?.join(' ') || 'none'}, ${
        event.splitInclude6?.length
          ? `split: ${event.splitInclude6.map(formatNet).join(' ')}`
          : 'all IPv6'
      }`
    : '';
  return (
    `${banner}network: ${event.tunName} mtu ${event.mtu}, DNS ${event.dns.join(' ') || 'none'}` +
    `${event.defaultDomain ? `, domain ${event.defaultDomain}` : ''}, ${split}${ipv6}\n`
  );
}

/** A running tunnel as `roadwarrior status` records it: its latest events. */
export interface TunnelStatus {
  profile: string;
  gateway: string;
  pid: number;
  state: string;
  virtualIp?: string | undefined;
  connectedAt?: number | undefined;
  ike?: IkeSaEvent | undefined;
  ipsec: IpsecSaEvent[];
  counters?: CountersEvent | undefined;
  diagnosis?: DiagnosisEvent | undefined;
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/** Seconds left of a lifetime that began at `since`. */
const secondsLeft = (lifetimeSeconds: number, since: number, now: number) =>
  seconds(lifetimeSeconds * 1000 - (now - since));

/** A tunnel as a head-end shows its own (`show crypto isakmp sa`, `show crypto ipsec sa`):
 * SAs, lifetimes, counters, drops by reason, and the current diagnosis. */
export function tunnelStatusText(tunnel: TunnelStatus, now: number): string {
  const lines = [
    `tunnel "${tunnel.profile}" to ${tunnel.gateway} (pid ${tunnel.pid}): ${tunnel.state}` +
      (tunnel.virtualIp ? `, virtual IP ${tunnel.virtualIp}` : '') +
      (tunnel.connectedAt ? `, up ${seconds(now - tunnel.connectedAt)}` : ''),
    '',
    'crypto isakmp sa',
    ...(tunnel.ike ? ikeSaStatusLines(tunnel.ike, tunnel.gateway, now) : ['  none']),
    '',
    'crypto ipsec sa',
  ];
  if (!tunnel.ipsec.length) lines.push('  none');
  for (const sa of tunnel.ipsec)
    lines.push(
      ...ipsecSaStatusLines(
        sa,
        tunnel.counters?.sas.find((c) => c.saId === sa.id),
        now,
      ),
    );
  const total = tunnel.counters?.total;
  if (total)
    lines.push(
      `  all SAs: unknown SPI ${total.noSaDrops}, no route ${total.noRouteDrops}, malformed ${total.malformedDrops}, receive errors ${total.receiveErrors}`,
    );
  lines.push('', tunnel.diagnosis ? diagnosisText(tunnel.diagnosis).trimEnd() : 'diagnosis: none');
  return `${lines.join('\n')}\n`;
}

function ikeSaStatusLines(ike: IkeSaEvent, gateway: string, now: number): string[] {
  const { natT } = ike;
  return [
    `  ${gateway}  cookies ${ike.initiatorCookie}/${ike.responderCookie}  ${ike.encryption} ${ike.hash} group ${dhGroupLabel(ike.dhGroup)} ${ike.authMethod}`,
    `    lifetime ${ike.lifetimeSeconds} s, remaining ${secondsLeft(ike.lifetimeSeconds, ike.at, now)}; NAT-T ${natT.mode} (local ${natT.localBehindNat ? '' : 'not '}behind NAT) port ${natT.localPort} -> ${natT.gatewayPort}; DPD ${ike.dpd ? 'on' : 'off'}; peer ${ike.peerId}`,
  ];
}

function ipsecSaStatusLines(
  sa: IpsecSaEvent,
  counters: CountersEvent['sas'][number] | undefined,
  now: number,
): string[] {
  const nets = (selectors: IpsecSaEvent['localSelectors']) => selectors.map(formatNet).join(' ');
  return [
    `  ${sa.id}: ${sa.transform}${sa.pfsGroup ? ` PFS group ${dhGroupLabel(sa.pfsGroup)}` : ' no PFS'}, spi in 0x${sa.spiIn} out 0x${sa.spiOut}, rekey ${sa.rekeyCount}`,
    `    local ${nets(sa.localSelectors)}  remote ${nets(sa.remoteSelectors)}`,
    `    lifetime ${sa.lifetimeSeconds} s, remaining ${secondsLeft(sa.lifetimeSeconds, sa.at, now)}`,
    ...(counters
      ? [
          `    #pkts encaps: ${counters.packetsOut}, #pkts decaps: ${counters.packetsIn}, bytes out ${counters.bytesOut}, in ${counters.bytesIn}`,
          `    #drops: integrity ${counters.icvFailures}, replay ${counters.replayDrops}, decrypt ${counters.decryptErrors}, padding ${counters.paddingErrors}, selector ${counters.selectorDrops}, send errors ${counters.sendErrors}`,
        ]
      : []),
  ];
}

export interface Explanation {
  title: string;
  hint: string;
}

const EXPLANATIONS: Record<ErrorCode, Explanation> = {
  'gateway-unreachable': {
    title: 'The gateway cannot be reached',
    hint: 'Check your internet connection and the gateway address. A firewall may block UDP ports 500 and 4500.',
  },
  'gateway-resolve-failed': {
    title: 'The gateway name is unknown',
    hint: 'Check the spelling of the gateway address, and that DNS works on this network.',
  },
  'no-proposal-chosen': {
    title: 'No common encryption settings',
    hint: 'The gateway accepts none of the proposals in this profile. An old gateway may need Legacy algorithms (3DES, SHA-1, DH group 2) turned on; ask your administrator which IKE/ESP proposals to use (Advanced settings).',
  },
  'group-psk-rejected': {
    title: 'Group name or group key rejected',
    hint: 'Check the group name and the group key (pre-shared key) your administrator gave you.',
  },
  'unknown-group': {
    title: 'The gateway does not know this group',
    hint: 'Check the group name in the profile.',
  },
  'xauth-rejected': {
    title: 'Username or password rejected',
    hint: 'Check your username and password. With a token, wait for the next code before trying again.',
  },
  'xauth-unsupported': {
    title: 'The gateway asked for an unsupported sign-in method',
    hint: 'Tell your administrator which authentication type the gateway requested (see the log).',
  },
  'modecfg-no-address': {
    title: 'The gateway gave no address',
    hint: 'The gateway’s address pool may be exhausted. Try again later or contact your administrator.',
  },
  'phase2-rejected': {
    title: 'The gateway refused the tunnel',
    hint: 'Phase 1 worked, but the gateway rejected the tunnel (phase 2) settings. Check ESP proposals and PFS in Advanced settings.',
  },
  'invalid-id': {
    title: 'The gateway rejected the identity',
    hint: 'Check the group name and the identity type in Advanced settings.',
  },
  'peer-notified-error': {
    title: 'The gateway reported an error',
    hint: 'The gateway ended the exchange; the log shows its notification.',
  },
  timeout: {
    title: 'The gateway stopped answering',
    hint: 'Check the gateway address and your connection. A firewall may block UDP 500/4500.',
  },
  'peer-dead': {
    title: 'The gateway stopped answering',
    hint: 'Dead peer detection got no reply. The network may have changed or the gateway may be down.',
  },
  'deleted-by-peer': {
    title: 'The gateway closed the connection',
    hint: 'An administrator or a gateway policy (idle or session limit) ended the session.',
  },
  'malformed-response': {
    title: 'The gateway sent something unexpected',
    hint: 'This may be an interoperability problem. Save the log and send it to your administrator.',
  },
  'credentials-missing': {
    title: 'A required credential is missing',
    hint: 'Enter every field the gateway asks for.',
  },
  'config-invalid': {
    title: 'The profile is not valid',
    hint: 'Open the profile settings and correct the highlighted field.',
  },
  'dataplane-failed': {
    title: 'The tunnel device failed',
    hint: 'Creating or using the tunnel interface failed; the app may need more privileges.',
  },
  'network-config-failed': {
    title: 'Setting up routes or DNS failed',
    hint: 'The tunnel is negotiated but the system network could not be configured. The log names the command that failed.',
  },
  'helper-unavailable': {
    title: 'The Roadwarrior system service is not running',
    hint: 'The app needs its privileged helper to create the tunnel. Start the roadwarrior-helper service (or reinstall the app) and try again.',
  },
  'helper-lost': {
    title: 'The Roadwarrior system service stopped',
    hint: 'The privileged helper that carried the tunnel went away. The app reconnects by itself once the service is back.',
  },
  'keychain-unavailable': {
    title: 'The keychain cannot be used',
    hint: 'Unlock or start your desktop keychain (Secret Service), or enter the secrets when asked.',
  },
  'gateway-cert-untrusted': {
    title: 'The gateway’s certificate is not trusted',
    hint: 'It is not signed by the CA in this profile: this may not be the real gateway. Check the CA file with your administrator before trying again.',
  },
  'gateway-cert-expired': {
    title: 'The gateway’s certificate is not valid now',
    hint: 'Check this computer’s date and time; if they are right, the gateway certificate has expired: tell the administrator.',
  },
  'gateway-cert-revoked': {
    title: 'The gateway’s certificate has been revoked',
    hint: 'Its CA withdrew it (the CRL file in this profile lists it): this may not be the real gateway. Do not connect; tell the administrator.',
  },
  'gateway-cert-revocation-unknown': {
    title: 'The gateway’s certificate cannot be checked for revocation',
    hint: 'This profile requires a current CRL, and its CRL file has none for the gateway: ask the administrator for a current one.',
  },
  'gateway-id-mismatch': {
    title: 'The gateway’s certificate names another gateway',
    hint: 'Check the gateway address and the gateway identity in the profile.',
  },
  'client-cert-rejected': {
    title: 'The gateway did not accept your certificate',
    hint: 'Ask the administrator whether your certificate is still valid and issued by a CA the gateway trusts.',
  },
  'certificate-unusable': {
    title: 'A certificate or key file cannot be used',
    hint: 'The message names the file and the problem (missing, neither PEM nor PKCS#12, a PKCS#12 file in an old cipher to re-export, a key that does not match, a wrong passphrase).',
  },
  'gateway-redirected': {
    title: 'The gateway cluster kept redirecting',
    hint: 'Each gateway of the cluster sent the connection on to another one. Tell your administrator (see the log for the addresses).',
  },
  cancelled: { title: 'Cancelled', hint: '' },
  internal: {
    title: 'Something went wrong inside Roadwarrior',
    hint: 'Save the log and report it.',
  },
};

/** What a failure means and what to try, for someone who is not a network engineer; the
 * desktop shows it beside the engine's own message (what exactly happened). */
export function explain(code: ErrorCode): Explanation {
  return EXPLANATIONS[code];
}

/** What the CLI prints for an event (nothing for counters, progress without a step, or log
 * records below `level`); lines end in a newline. */
export function eventText(event: EngineEvent, level: LogLevel): string | undefined {
  switch (event.type) {
    case 'state':
      if (event.state === 'connected')
        return `connected to ${event.gateway}: virtual IP ${event.virtualIp ?? '(none)'}\n`;
      return STATE_TEXT[event.state] && `${STATE_TEXT[event.state]}\n`;
    case 'network':
      return networkText(event);
    case 'sa':
      if (event.kind === 'ike')
        return `IKE SA: ${event.encryption} ${event.hash} group ${dhGroupLabel(event.dhGroup)}, NAT-T ${event.natT.mode}\n`;
      return event.status === 'installed'
        ? `IPsec SA: ${event.transform}, SPIs in ${event.spiIn} out ${event.spiOut}\n`
        : undefined;
    case 'log':
      return logLevels.indexOf(event.level) <= logLevels.indexOf(level)
        ? `[${event.level}] ${event.phase}: ${event.message}\n`
        : undefined;
    case 'error':
      return `error (${event.code}): ${event.message}\n`;
    case 'warning':
      return `warning (${event.code}): ${event.message}\n`;
    case 'diagnosis':
      return diagnosisText(event);
    case 'counters':
      return undefined;
  }
}
