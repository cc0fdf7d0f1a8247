// A labelled list of values (a <dl>), the building block of the detail cards.
import type { ReactNode } from 'react';

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
