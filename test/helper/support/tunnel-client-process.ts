// Child-process entry (run as an unprivileged user): an "app" that, through the helper at
// argv[2], opens a tunnel to argv[3], installs an SA and configures the network on TUN argv[4],
// prints `configured <applied JSON>`, then one line per data-plane event, until killed. With
// argv[5] `twice` it then asks for a second set-up on the same tunnel and prints
// `second <code>` (refused) or `second configured` (carried out).
import { createHelperDataPlane } from '../../../app/helper/client.js';
import { SA, SETUP } from './fixtures.js';

const [socketPath, gateway, tunName, twice] = process.argv.slice(2);
if (!socketPath || !gateway || !tunName) throw new Error('usage: SOCKET GATEWAY TUN [twice]');
const channel = await createHelperDataPlane({ socketPath }).openIke({ gateway });
channel.onEvent((event) => console.log(`event ${JSON.stringify(event)}`));
await channel.installSa(SA);
const applied = await channel.configureNetwork({ ...SETUP, tunName, gateway });
console.log(`configured ${JSON.stringify(applied)}`);
if (twice === 'twice') {
  await channel.configureNetwork({ ...SETUP, tunName: `${tunName}x`, gateway }).then(
    () => console.log('second configured'),
    (error: { code?: string }) => console.log(`second ${error.code ?? 'failed'}`),
  );
}
setInterval(() => undefined, 60_000);
