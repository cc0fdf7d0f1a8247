// A script for the fake gateway: forged datagrams put on the wire before one of its messages.
import type { ResponderStep, ResponderTools, Tamper } from './fake-responder.js';

/** Forged datagrams for one step, sent once, before the gateway's own message (which
 * `replace` leaves out). */
export function inject(
  step: ResponderStep,
  forge: (message: Buffer, tools: ResponderTools) => Buffer[],
  replace = false,
): Tamper {
  let done = false;
  return (current, message, tools) => {
    if (current !== step || done) return [{ packet: message }];
    done = true;
    const forged = forge(message, tools).map((packet) => ({ packet }));
    return replace ? forged : [...forged, { packet: message }];
  };
}
