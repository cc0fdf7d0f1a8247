// One writer process for the concurrency test: duplicates a profile and saves its own, COUNT
// times each, through the same ProfileStore the app and the CLI use.
import { ProfileStore } from '../../../app/main/service/profile-store.js';

const [directory, label, count] = process.argv.slice(2);
const store = new ProfileStore(directory!);
for (let i = 0; i < Number(count); i++) {
  await store.duplicate('Office');
  await store.save({ name: `${label}-${i}`, gateway: 'vpn.example.com', group: 'g' });
  const shared = await store.get('Shared');
  await store.save({ ...shared, mtu: 600 + i }, 'Shared');
}
