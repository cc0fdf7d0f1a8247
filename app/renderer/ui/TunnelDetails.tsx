// What the gateway handed out through Mode Config and what the tunnel uses: address, DNS,
// domain, split networks.
import type { NetworkEvent } from '../../shared/ui/ipc.js';
import { Card, KeyValues, type Row } from './KeyValues.js';
import { formatDuration, formatNet } from '../../shared/ui/format.js';

function NetList({
  entries,
  empty,
  testId,
}: {
  entries: NetworkEvent['splitInclude'];
  empty: string;
  testId: string;
}) {
  if (!entries.length) return <span data-testid={testId}>{empty}</span>;
  return (
    <ul className="net-list mono" data-testid={testId}>
      {entries.map((entry) => (
        <li key={formatNet(entry.network)}>{formatNet(entry.network)}</li>
      ))}
    </ul>
  );
}

export function TunnelCard({
  network,
  connectedAt,
  now,
}: {
  network: NetworkEvent;
  connectedAt: number | undefined;
  now: number;
}) {
  return (
    <Card title="Tunnel">
      <KeyValues
        rows={[
          ['Assigned IP', network.internalIp4 ?? 'none', { mono: true, testId: 'virtual-ip' }],
          ['Interface', `${network.tunName} · MTU ${network.mtu}`],
          ['DNS servers', network.dns.join(', ') || 'unchanged', { mono: true, testId: 'dns' }],
          ['Domain', network.defaultDomain ?? 'none', { testId: 'domain' }],
          ...(network.splitDns.length
            ? [['Split DNS', network.splitDns.join(', ')] satisfies Row]
            : []),
          [
            'Through the tunnel',
            <NetList
              entries={network.splitInclude}
              empty="all traffic (full tunnel)"
              testId="split-networks"
            />,
          ],
          ...(network.splitExclude.length
            ? [
                [
                  'Kept local',
                  <NetList entries={network.splitExclude} empty="" testId="local-lan" />,
                ] satisfies Row,
              ]
            : []),
          ['Connected for', connectedAt ? formatDuration((now - connectedAt) / 1000) : '–'],
        ]}
      />
    </Card>
  );
}
