// Managed profiles beside the user's: read-only, shown to everyone, not shadowed by a user
// profile of the same name, their group key from a key file only its group can read; and two
// processes writing one profile directory at once losing nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { ServiceError } from '../../app/main/service/service-error.js';
import type { ConnectOptions, VpnConnection } from '../../app/engine/index.js';
import { withManagedGroupKey } from '../../app/profiles/managed-key.js';
import { Secret } from '../../app/shared/secret.js';
import { noDataPlane } from '../desktop/support/fake-engine.js';
import {
  ManagedProfiles,
  managedProfileDirectory,
  MANAGED_PROFILE_DIRECTORIES,
} from '../../app/profiles/managed.js';

async function withDirs(
  run: (store: ProfileStore, user: string, system: string) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'rw-managed-'));
  const user = join(root, 'user');
  const system = join(root, 'profiles.d');
  await mkdir(system);
  try {
    await run(new ProfileStore(user, new ManagedProfiles(system)), user, system);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const HQ = {
  name: 'HQ',
  gateway: 'vpn.corp.example',
  group: 'staff',
  locked: ['gateway' as const],
};
const PCF = '[main]\r\n!Host=vpn.branch.example\r\nGroupName=branch\r\nDHGroup=14\r\n';

test('the platform directories are named, and tests can point elsewhere', () => {
  assert.equal(managedProfileDirectory({}, 'linux'), '/etc/roadwarrior/profiles.d');
  assert.equal(
    managedProfileDirectory({}, 'darwin'),
    '/Library/Application Support/Roadwarrior/profiles.d',
  );
  assert.equal(
    managedProfileDirectory({ ProgramData: 'D:\\PD' }, 'win32'),
    'D:\\PD\\Roadwarrior\\profiles.d',
  );
  assert.equal(managedProfileDirectory({ ROADWARRIOR_MANAGED_PROFILES: '/x' }, 'linux'), '/x');
  assert.equal(MANAGED_PROFILE_DIRECTORIES.win32, '%ProgramData%\\Roadwarrior\\profiles.d');
});

test('managed JSON and .pcf profiles are listed, read-only, and cannot be shadowed', () =>
  withDirs(async (store, user, system) => {
    await writeFile(join(system, 'HQ.json'), JSON.stringify(HQ));
    await writeFile(join(system, 'Branch.pcf'), PCF, 'latin1');
    await writeFile(join(system, 'Broken.json'), '{"name": "Broken", "gateway": "x"}');
    await store.save({ name: 'Mine', gateway: 'home.example', group: 'g' });

    const listing = await store.list();
    assert.deepEqual(listing.profiles.map((p) => p.name).sort(), ['Branch', 'HQ', 'Mine']);
    assert.deepEqual(listing.managed.sort(), ['Branch', 'HQ']);
    assert.match(listing.problems[0]?.message ?? '', /Broken\.json: group: /);
    assert.deepEqual((await store.get('Branch')).locked, ['gateway']);

    const refused = (code: string, words: RegExp) => (error: unknown) =>
      error instanceof ServiceError && error.code === code && words.test(error.message);
    await assert.rejects(
      store.save({ ...HQ, gateway: 'evil.example' }, 'HQ'),
      refused('forbidden', /managed by your administrator/),
    );
    await assert.rejects(store.save({ ...HQ, mtu: 1300 }, 'HQ'), refused('forbidden', /managed/));
    await assert.rejects(
      store.save({ name: 'HQ', gateway: 'x', group: 'g' }),
      refused('conflict', /managed by your administrator .*choose another name/),
    );
    await assert.rejects(
      store.save({ name: 'HQ', gateway: 'x', group: 'g' }, 'Mine'),
      refused('conflict', /managed/),
    );
    await assert.rejects(store.delete('HQ'), refused('forbidden', /cannot be removed/));

    // a user file of that name written behind the app's back is not used, and said so
    await writeFile(join(user, 'HQ.json'), JSON.stringify({ ...HQ, gateway: 'evil.example' }));
    const shadowed = await store.list();
    assert.equal(shadowed.profiles.find((p) => p.name === 'HQ')?.gateway, 'vpn.corp.example');
    assert.ok(
      shadowed.problems.some((p) => /HQ\.json: not used: a profile managed/.test(p.message)),
    );

    // a copy is the user's own, with the same field locked
    const copy = await store.duplicate('HQ');
    assert.equal(copy.name, 'HQ (copy)');
    await assert.rejects(
      store.save({ ...copy, gateway: 'evil.example' }, 'HQ (copy)'),
      refused('forbidden', /gateway is locked/),
    );
  }));

test('a managed .pcf with a group key in it: the key is not used, the admin told where to put it', () =>
  withDirs(async (store, _user, system) => {
    await writeFile(join(system, 'Branch.pcf'), `${PCF}GroupPwd=visible-to-all\r\n`);
    const listing = await store.list();
    assert.deepEqual(listing.managed, ['Branch']);
    assert.match(
      listing.problems[0]?.message ?? '',
      /secrets in it are not used .*Branch\.key, mode 0640/,
    );
    assert.ok(!JSON.stringify(listing).includes('visible-to-all'));
  }));

test("the group key file: read when only its group can, refused when it is everyone's", () =>
  withDirs(async (_store, _user, system) => {
    const profile = join(system, 'HQ.json');
    assert.equal(await ManagedProfiles.readGroupKey(profile), undefined, 'no key file: none');
    await writeFile(join(system, 'HQ.key'), 'the-group-key\n', { mode: 0o640 });
    assert.equal((await ManagedProfiles.readGroupKey(profile))?.revealString(), 'the-group-key');
    await chmod(join(system, 'HQ.key'), 0o644);
    await assert.rejects(
      ManagedProfiles.readGroupKey(profile),
      /HQ\.key is open to every user \(mode 644\): not used; .*0640 root:roadwarrior/,
    );
  }));

const WRITER = fileURLToPath(new URL('./support/store-writer.ts', import.meta.url));

function runWriter(dir: string, label: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, label, String(count)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`writer ${label} exited ${code}: ${stderr}`)),
    );
  });
}

test('two processes writing at once lose nothing', { timeout: 120_000 }, () =>
  withDirs(async (store, user) => {
    await store.save({ name: 'Office', gateway: 'vpn.example.com', group: 'g' });
    await store.save({ name: 'Shared', gateway: 'vpn.example.com', group: 'g' });
    const count = 15;
    await Promise.all([runWriter(user, 'a', count), runWriter(user, 'b', count)]);
    const listing = await store.list();
    assert.deepEqual(listing.problems, []);
    const names = listing.profiles.map((p) => p.name);
    const copies = names.filter((n) => n.startsWith('Office (copy'));
    assert.equal(copies.length, 2 * count, 'every duplicate got its own name and file');
    for (const label of ['a', 'b'])
      for (let i = 0; i < count; i++) assert.ok(names.includes(`${label}-${i}`), `${label}-${i}`);
    assert.equal((await store.get('Shared')).mtu, 600 + count - 1, "one writer's last update");
    const leftovers = (await readdir(user)).filter((n) => n.startsWith('.'));
    assert.deepEqual(leftovers, [], 'no temporary file or lock left');
  }),
);

test("the desktop's engine gets a managed profile's key from its key file, others from the provider", () =>
  withDirs(async (store, _user, system) => {
    await writeFile(join(system, 'HQ.json'), JSON.stringify(HQ));
    await writeFile(join(system, 'HQ.key'), 'admin-key\n', { mode: 0o640 });
    await store.save({ name: 'Mine', gateway: 'home.example', group: 'g' });
    const asked: string[] = [];
    const provider = {
      groupPsk: async () => (asked.push('groupPsk'), Secret.fromString('from-the-provider')),
      xauth: async () => ({}),
    };
    let seen: ConnectOptions | undefined;
    const connect = withManagedGroupKey((options) => {
      seen = options;
      return {} as VpnConnection;
    }, new ManagedProfiles(system));
    const keyOf = async (name: string) => {
      connect({ profile: await store.get(name), credentials: provider, dataPlane: noDataPlane() });
      return (await seen!.credentials.groupPsk()).revealString();
    };
    assert.equal(await keyOf('HQ'), 'admin-key');
    assert.deepEqual(asked, [], 'the key file answered');
    assert.equal(await keyOf('Mine'), 'from-the-provider');
    await chmod(join(system, 'HQ.key'), 0o604);
    assert.equal(await keyOf('HQ'), 'from-the-provider', 'a key file open to all is not used');
    const listing = await store.list();
    assert.match(listing.problems[0]?.message ?? '', /HQ\.key is open to every user \(mode 604\)/);
  }));
