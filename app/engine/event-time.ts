// When an event happened: ms since the epoch with sub-ms precision (the process's time origin
// plus the monotonic clock). A connect's steps take fractions of a millisecond each, which
// Date.now() would round to 0 or 1.
export function eventTime(): number {
  return performance.timeOrigin + performance.now();
}
