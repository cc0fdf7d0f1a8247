// The connection's IKE SA as its tasks see it: the current one (a re-authentication makes a
// new one current while the old one still carries DELETEs), the message IDs of the exchanges
// on it, and the messenger and channel that carry its messages.
import type { IkeChannel } from '../shared/dataplane-port.js';
import { EngineError } from './api.js';
import { sealInformational } from './exchanges/informational.js';
import { MessageIds } from './message-ids.js';
import type { Messenger } from './messenger.js';
import type { Phase1Result } from './phase1-task.js';
import type { OutgoingPayload } from './wire/payloads.js';

export class IkeSaHolder {
  readonly messageIds = new MessageIds();
  private phase1: Phase1Result | undefined;

  constructor(
    readonly channel: IkeChannel,
    readonly messenger: Messenger,
  ) {}

  /** the IKE SA new exchanges run on, once phase 1 made one */
  get current(): Phase1Result | undefined {
    return this.phase1;
  }

  require(): Phase1Result {
    if (!this.phase1) throw new EngineError('internal', 'no IKE SA');
    return this.phase1;
  }

  /** a new IKE SA becomes the current one as soon as it exists */
  adopt(phase1: Phase1Result): void {
    this.phase1 = phase1;
  }

  /** An informational message (RFC 2409 5.7) in an exchange of its own, through `via`. */
  sendInformational(payload: OutgoingPayload, via: Phase1Result | undefined = this.phase1): void {
    if (via) this.messenger.send(sealInformational(via.sa, this.messageIds.next(), payload));
  }
}
