// The lab's RADIUS authentication server, run by LabRadius (radius.ts) inside the gateway's
// namespace: its settings (shared secret, port, users) arrive as one JSON document on stdin;
// it prints one JSON line when it listens and one per request it answered or dropped.
import { createSocket } from 'node:dgram';
import { text } from 'node:stream/consumers';
import { answerAccessRequest } from './radius-answer.js';
import type { RadiusServerSettings } from './radius.js';

const settings = JSON.parse(await text(process.stdin)) as RadiusServerSettings;
const socket = createSocket('udp4');
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
/** the token users' codes accepted so far: never accepted again */
const spentCodes = new Set<string>();

socket.on('message', (datagram, peer) => {
  try {
    const { record, response } = answerAccessRequest(
      datagram,
      settings.secret,
      settings.users,
      spentCodes,
    );
    if (response) socket.send(response, peer.port, peer.address);
    print({ record });
  } catch (error) {
    print({ dropped: (error as Error).message });
  }
});
socket.on('error', (error) => {
  print({ failed: error.message });
  process.exit(1);
});
socket.bind(settings.port, settings.address, () => print({ listening: socket.address() }));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
