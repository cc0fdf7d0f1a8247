// A labelled list of values (a <dl>), the building block of the detail cards, and the card
// that shows a tunnel's details as app/shared/ui/event-text.ts words them.
import type { ReactNode } from 'react';
import type { Details } from '../../shared/ui/event-text.js';

export type Row = [label: string, value: ReactNode, options?: { mono?: boolean; testId?: string }];

export function KeyValues({ rows }: { rows: Row[] }) {
  return (
    <dl className="kv">
      {rows.map(([label, value, options]) => (
        <div className="kv-row" key={label}>
          <dt>{label}</dt>
          <dd className={options?.mono ? 'mono' : undefined} data-testid={options?.testId}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function Card({
  title,
  children,
  className,
}: {
  title: string;
  children: ReactNode;
  className?: string;
}) {
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

/** A list row shows as a list: addresses one per line, names as chips. */
export function DetailsCard({ details }: { details: Details }) {
  return (
    <Card title={details.title}>
      <KeyValues
        rows={details.rows.map(({ key, label, text, code, items }) => [
          label,
          items?.length ? (
            <ul className={code ? 'net-list' : 'chips'}>
              {items.map((item) => (
                <li key={item}>{item}</li>
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
