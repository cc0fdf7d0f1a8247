// Phase 1 (IKE SA) and phase 2 (IPsec SA) as negotiated, in the words of
// app/shared/ui/event-text.ts, which also makes the text "Copy details" copies.
import {
  WARNING_TITLES,
  detailsText,
  ikeSaDetails,
  ipsecSaDetails,
  tunnelDetails,
} from '../../shared/ui/event-text.js';
import type {
  CountersEvent,
  IkeSaEvent,
  IpsecSaEvent,
  ServiceSnapshot,
  WarningEvent,
} from '../../shared/ui/ipc.js';
import { CopyButton } from './CopyButton.js';
import { Card, DetailsCard } from './KeyValues.js';

export function IkeSaCard({
  ike,
  counters,
  now,
}: {
  ike: IkeSaEvent;
  counters: CountersEvent | undefined;
  now: number;
}) {
  return <DetailsCard details={ikeSaDetails(ike, counters, now)} />;
}

export function IpsecSaCard({ sa, now }: { sa: IpsecSaEvent; now: number }) {
  return <DetailsCard details={ipsecSaDetails(sa, now)} />;
}

/** Copies the tunnel, the IKE SA and every IPsec SA as text, as the cards show them. */
export function CopyDetails({
  snapshot,
  counters,
  now,
}: {
  snapshot: ServiceSnapshot;
  counters: CountersEvent | undefined;
  now: number;
}) {
  const text = () =>
    detailsText([
      ...(snapshot.network ? [tunnelDetails(snapshot.network, snapshot.connectedAt, now)] : []),
      ...(snapshot.ike ? [ikeSaDetails(snapshot.ike, counters, now)] : []),
      ...snapshot.ipsec.map((sa) => ipsecSaDetails(sa, now)),
    ]);
  return <CopyButton label="Copy details" text={text} />;
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
