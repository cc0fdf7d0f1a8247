// Diffie-Hellman key pairs made ahead of the exchange that sends them: a MODP key pair costs
// 0.1-0.5 ms of CPU (group 5 to 14 and up), spent between the connect command and message 1
// otherwise. One pair per group waits; a pair taken is gone, so none serves two exchanges, and
// its successor is made on the event loop's next idle turn (after the message that carries the
// taken one has left, while the gateway works on it).
import { type KeyExchange, createKeyExchange } from './dh.js';

const waiting = new Map<number, KeyExchange>();
const refilling = new Set<number>();

/** A fresh key pair for `group`: the one made ahead if there is one, else made now. */
export function takeKeyExchange(group: number): KeyExchange {
  const ready = waiting.get(group);
  waiting.delete(group);
  const exchange = ready ?? createKeyExchange(group);
  refillLater(group);
  return exchange;
}

/** Makes a key pair for `group` now, unless one is waiting: for a process that expects to
 * connect (a service with a profile chosen), so even its first connect finds one. */
export function prepareKeyExchange(group: number): void {
  if (!waiting.has(group)) waiting.set(group, createKeyExchange(group));
}

function refillLater(group: number): void {
  if (refilling.has(group)) return;
  refilling.add(group);
  // unref: a pair made ahead is no reason for the process to stay
  setImmediate(() => {
    refilling.delete(group);
    prepareKeyExchange(group);
  }).unref();
}
