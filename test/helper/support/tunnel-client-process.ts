// Child-process entry (run as an unprivileged user): an "app" that, through the helper at
// argv[2], opens a tunnel to argv[3], installs an SA and configures the network on TUN argv[4],
// prints `configured <applied JSON>`, then one line per data-plane event, until killed.
import { createHelperDataPlane } from '../../../app/helper/client.js';
import { SA, SETUP } from './fixtures.js';

const [socketPath, gateway, tunName] = process.argv.slice(2);
if (!socketPath || !gateway || !tunName) throw new Error('usage: SOCKET GATEWAY TUN');
const channel = await createHelperDataPlane({ socketPath }).openIke({ gateway });
channel.onEvent((event) => console.log(`event ${JSON.stringify(event)}`));
await channel.installSa(SA);
const applied = await channel.configureNetwork({ ...SETUP, tunName, gateway });
console.log(`configured ${JSON.stringify(applied)}`);
setInterval(() => undefined, 60_000);
