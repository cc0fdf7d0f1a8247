// An IkeChannel for engine unit tests without sockets: it records what the engine sends and
// lets the test deliver datagrams from the "gateway". Only what the Messenger uses is there.
import { Logger } from '../../app/engine/logger.js';
import { Messenger, type RetransmitTiming } from '../../app/engine/messenger.js';
import type { IkeChannel } from '../../app/shared/dataplane-port.js';

export function recordingChannel(): {
  channel: IkeChannel;
  sent: Buffer[];
  deliver(packet: Buffer): void;
} {
  const sent: Buffer[] = [];
  let listener: (packet: Buffer, leg: 'natt') => void = () => undefined;
  const channel = {
    send: (packet: Buffer) => sent.push(packet),
    onPacket: (l: typeof listener) => (listener = l),
  } as unknown as IkeChannel;
  return { channel, sent, deliver: (packet) => listener(packet, 'natt') };
}

/** A messenger on a recording channel, its logs going nowhere: for tests of the messenger
 * itself and of an exchange run on it. */
export function recordingMessenger(timing: RetransmitTiming, gateway = 'gateway') {
  const wire = recordingChannel();
  const messenger = new Messenger(
    wire.channel,
    timing,
    new Logger(() => undefined, 'error'),
    gateway,
  );
  return { messenger, ...wire };
}
