// Child-process entry (run as another user): sends each JSON message given in argv[3] (an
// array) to the helper at argv[2] and prints each answer as one JSON line.
import { RawClient } from './raw-client.js';

const [socketPath, messages] = process.argv.slice(2);
if (!socketPath || !messages) throw new Error('usage: raw-client-cli SOCKET MESSAGES_JSON');
const client = await RawClient.connect(socketPath);
for (const message of JSON.parse(messages) as unknown[]) {
  client.sendJson(message);
  console.log(JSON.stringify(await client.next()));
}
client.close();
