// A scrolling list that renders only the rows in view (plus a few), so 100,000 log lines cost
// as much as 40. Fixed row height keeps the arithmetic exact and the layout still.
import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';

const OVERSCAN = 10;
/** before the first layout (and where layout is not measured, e.g. tests) */
const FALLBACK_HEIGHT = 480;

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  renderRow: (item: T, index: number) => ReactNode;
  rowKey: (item: T) => string | number;
  /** keep the newest row in view as rows arrive */
  follow: boolean;
  /** the user scrolled: true when they are at the bottom */
  onScrolled: (atBottom: boolean) => void;
  label: string;
}

export function VirtualList<T>({
  items,
  rowHeight,
  renderRow,
  rowKey,
  follow,
  onScrolled,
  label,
}: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(FALLBACK_HEIGHT);
  const programmatic = useRef(false);

  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight || FALLBACK_HEIGHT));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = ref.current;
    if (!element || !follow) return;
    const bottom = Math.max(0, items.length * rowHeight - element.clientHeight);
    if (element.scrollTop !== bottom) {
      programmatic.current = true;
      element.scrollTop = bottom;
      setScrollTop(bottom);
    }
  }, [items, follow, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let index = first; index < last; index++) {
    const item = items[index] as T;
    rows.push(
      <div
        key={rowKey(item)}
        className="vrow"
        style={{ top: index * rowHeight, height: rowHeight }}
      >
        {renderRow(item, index)}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      className="vlist"
      role="log"
      aria-live="off"
      aria-label={label}
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget;
        setScrollTop(element.scrollTop);
        if (programmatic.current) {
          programmatic.current = false;
          return;
        }
        onScrolled(element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight);
      }}
    >
      <div className="vlist-spacer" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
