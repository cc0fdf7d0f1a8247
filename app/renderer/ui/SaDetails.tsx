// Phase 1 (IKE SA) and phase 2 (IPsec SA) as negotiated, in the words of
// app/shared/ui/event-text.ts, which also makes the text "Copy SA details" copies.
import {
  type SaDetails,
  WARNING_TITLES,
  ikeSaDetails,
  ipsecSaDetails,
  saDetailsText,
} from '../../shared/ui/event-text.js';
import type { CountersEvent, IkeSaEvent, IpsecSaEvent, WarningEvent } from '../../shared/ui/ipc.js';
import { CopyButton } from './CopyButton.js';
import { Card, KeyValues } from './KeyValues.js';

function SaCard({ details, chips }: { details: SaDetails; chips?: Record<string, string[]> }) {
  return (
    <Card title={details.title}>
      <KeyValues
        rows={details.rows.map(({ key, label, text, code }) => [
          label,
          chips?.[key] ? (
            <ul className="chips">
              {chips[key].map((chip) => (
                <li key={chip}>{chip}</li>
              ))}
            </ul>
          ) : (
            text
          ),
          { mono: code, testId: key },
        ])}
      />
    </Card>
  );
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
  return (
    <SaCard
      details={ikeSaDetails(ike, counters, now)}
      chips={{ 'ike-vendor-ids': ike.peerVendorIds }}
    />
  );
}

export function IpsecSaCard({ sa, now }: { sa: IpsecSaEvent; now: number }) {
  return <SaCard details={ipsecSaDetails(sa, now)} />;
}

/** Copies the IKE SA and every IPsec SA as text, as the cards show them. */
export function CopySaDetails({
  ike,
  ipsec,
  counters,
  now,
}: {
  ike: IkeSaEvent | undefined;
  ipsec: IpsecSaEvent[];
  counters: CountersEvent | undefined;
  now: number;
}) {
  const text = () =>
    saDetailsText([
      ...(ike ? [ikeSaDetails(ike, counters, now)] : []),
      ...ipsec.map((sa) => ipsecSaDetails(sa, now)),
    ]);
  return <CopyButton label="Copy SA details" text={text} />;
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
