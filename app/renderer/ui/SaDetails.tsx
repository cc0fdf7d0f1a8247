// Phase 1 (IKE SA) and phase 2 (IPsec SA) as negotiated: what a head-end's `show crypto isakmp
// sa detail` / `show crypto ipsec sa` would tell, from the client's side.
import {
  type CountersEvent,
  type IkeSaEvent,
  type IpsecSaEvent,
  type WarningCode,
  type WarningEvent,
  dhGroupLabel,
} from '../../shared/ui/ipc.js';
import { Card, KeyValues } from './KeyValues.js';
import { formatAgo, formatDuration, formatNet } from './format.js';

const WARNING_TITLES: Record<WarningCode, string> = {
  'aggressive-mode-group-psk': 'The group key is not a secret',
  'group-psk-shared': 'The group key is shared',
  'weak-algorithm': 'Weak algorithm in use',
  'pfs-off': 'No perfect forward secrecy',
  'dns-not-set': 'DNS does not go through the tunnel',
  'ipv6-not-blocked': 'IPv6 may bypass the tunnel',
};

function remaining(since: number, lifetimeSeconds: number, now: number): string {
  const left = lifetimeSeconds - (now - since) / 1000;
  return `${formatDuration(left)} of ${formatDuration(lifetimeSeconds)}`;
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

export function IkeSaCard({
  ike,
  counters,
  now,
}: {
  ike: IkeSaEvent;
  counters: CountersEvent | undefined;
  now: number;
}) {
  const lastSeen = counters?.total.lastInboundAt ?? 0;
  return (
    <Card title="Phase 1 · IKE SA">
      <KeyValues
        rows={[
          ['Cookies (I / R)', `${ike.initiatorCookie} / ${ike.responderCookie}`, { mono: true }],
          ['Encryption', ike.encryption],
          ['Integrity', ike.hash],
          ['DH group', dhGroupLabel(ike.dhGroup)],
          ['Authentication', ike.authMethod],
          [
            'Lifetime left',
            remaining(ike.at, ike.lifetimeSeconds, now),
            { testId: 'ike-lifetime' },
          ],
          ['NAT-T', natText(ike.natT)],
          [
            'DPD',
            ike.dpd
              ? `on · gateway last heard ${formatAgo(lastSeen, now)}`
              : 'not supported by the gateway',
          ],
          ['Gateway ID', ike.peerId, { mono: true }],
          [
            'Gateway vendor IDs',
            <ul className="chips">
              {ike.peerVendorIds.map((vid) => (
                <li key={vid}>{vid}</li>
              ))}
            </ul>,
          ],
        ]}
      />
    </Card>
  );
}

export function IpsecSaCard({ sa, now }: { sa: IpsecSaEvent; now: number }) {
  return (
    <Card title={`Phase 2 · IPsec SA (${sa.id})`}>
      <KeyValues
        rows={[
          ['SPI in / out', `${sa.spiIn} / ${sa.spiOut}`, { mono: true, testId: 'ipsec-spis' }],
          ['Transform', sa.transform],
          ['PFS', sa.pfsGroup ? `group ${dhGroupLabel(sa.pfsGroup)}` : 'off'],
          ['Lifetime left', remaining(sa.at, sa.lifetimeSeconds, now)],
          ['Rekeys', String(sa.rekeyCount)],
          ['Local', sa.localSelectors.map(formatNet).join(', '), { mono: true }],
          ['Remote', sa.remoteSelectors.map(formatNet).join(', '), { mono: true }],
        ]}
      />
    </Card>
  );
}

/** What the engine warned about this connection, in its own words under a short title. */
export function SecurityNotes({ warnings }: { warnings: WarningEvent[] }) {
  if (!warnings.length) return null;
  return (
    <Card title="Security notes">
      <ul className="security-notes">
        {warnings.map((w) => (
          <li
            key={`${w.code}:${w.message}`}
            role="note"
            data-code={w.code}
            className="alert alert-warning"
          >
            <h3>{WARNING_TITLES[w.code]}</h3>
            <p>{w.message}</p>
          </li>
        ))}
      </ul>
    </Card>
  );
}
