// An IkeChannel for engine unit tests without sockets: it records what the engine sends and
// lets the test deliver datagrams from the "gateway". Only what the Messenger uses is there.
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
