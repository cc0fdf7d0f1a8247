// Child-process entry: an "app" that opens a tunnel through the helper at argv[2], prints
// `opened <tunnel local port>` and then idles until it is killed.
import { createHelperDataPlane } from '../../../app/helper/client.js';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: client-process SOCKET');
const channel = await createHelperDataPlane({ socketPath }).openIke({ gateway: '192.0.2.1' });
console.log(`opened ${channel.localPort}`);
setInterval(() => undefined, 60_000);
