// ProfileStore: JSON files validated on every read and write; a broken file is reported by
// path and field and never overwritten; no secret ever reaches a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileStore, fileNameFor } from '../../app/main/service/profile-store.js';
import { ServiceError } from '../../app/main/service/service-error.js';

async function withStore(run: (store: ProfileStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rw-profiles-'));
  try {
    await run(new ProfileStore(dir), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const office = {
  name: 'Office VPN',
  gateway: 'vpn.example.com',
  group: 'staff',
  username: 'alice',
};

test('a saved profile reads back with defaults, in a private file with no secret in it', () =>
  withStore(async (store, dir) => {
    const sneaky = { ...office, password: 'hunter2', groupPsk: 'shh' } as typeof office;
    const saved = await store.save(sneaky);
    assert.equal(saved.natTraversal, 'force');
    assert.deepEqual(await store.get('Office VPN'), saved);
    const file = join(dir, 'Office VPN.json');
    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes('hunter2') && !text.includes('shh') && !text.includes('password'));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  }));

test('a broken file is reported with its path and field, the others still load, nothing is lost', () =>
  withStore(async (store, dir) => {
    await store.save(office);
    const badJson = join(dir, 'Home.json');
    const badField = join(dir, 'Lab.json');
    await writeFile(badJson, '{ "name": "Home", ');
    await writeFile(
      badField,
      JSON.stringify({ name: 'Lab', gateway: 'lab.example', group: 'g', dpdDelaySeconds: 99999 }),
    );
    const listing = await store.list();
    assert.deepEqual(
      listing.profiles.map((p) => p.name),
      ['Office VPN'],
    );
    assert.equal(listing.problems.length, 2);
    assert.match(
      listing.problems.find((p) => p.file === badJson)?.message ?? '',
      /Home\.json: not valid JSON/,
    );
    assert.match(
      listing.problems.find((p) => p.file === badField)?.message ?? '',
      /Lab\.json: dpdDelaySeconds: /,
    );

    await assert.rejects(
      store.save({ name: 'Home', gateway: 'home.example', group: 'g' }),
      (error: unknown) =>
        error instanceof ServiceError &&
        error.code === 'conflict' &&
        error.message.includes(badJson),
    );
    assert.equal(
      await readFile(badJson, 'utf8'),
      '{ "name": "Home", ',
      'the broken file is untouched',
    );
    await assert.rejects(store.get('Lab'), /Lab\.json: dpdDelaySeconds/);
  }));

test('an invalid profile is refused naming the field', () =>
  withStore(async (store) => {
    await assert.rejects(store.save({ ...office, mtu: 100 }), (error: unknown) => {
      assert.ok(error instanceof ServiceError);
      assert.match(error.message, /^the profile: mtu: /);
      assert.equal(error.issues?.[0]?.path, 'mtu');
      return true;
    });
  }));

test('rename moves the file; duplicate picks a free name; delete removes', () =>
  withStore(async (store, dir) => {
    await store.save(office);
    await store.save({ ...office, name: 'Office' }, 'Office VPN');
    assert.deepEqual(await readdir(dir), ['Office.json']);
    await assert.rejects(
      store.save({ ...office, name: 'Office' }, 'Nope'),
      /no profile named "Nope"/,
    );
    assert.equal((await store.duplicate('Office')).name, 'Office (copy)');
    assert.equal((await store.duplicate('Office')).name, 'Office (copy 2)');
    await store.save({ ...office, name: 'Other' });
    await assert.rejects(
      store.save({ ...office, name: 'Other' }),
      /a profile named "Other" already exists/,
    );
    await store.save({ ...office, name: 'Other', mtu: 1300 }, 'Other');
    assert.equal((await store.get('Other')).mtu, 1300);
    await assert.rejects(store.save({ ...office, name: 'Other' }, 'Office'), /already exists/);
    assert.equal(await store.delete('Office'), true);
    assert.equal(await store.delete('Office'), false);
    assert.deepEqual(
      (await store.list()).profiles.map((p) => p.name),
      ['Office (copy 2)', 'Office (copy)', 'Other'],
    );
  }));

test('file names are the profile names where safe, so the CLI finds them', () => {
  assert.equal(fileNameFor('Office VPN'), 'Office VPN.json');
  assert.equal(fileNameFor('vpn.example.com'), 'vpn.example.com.json');
  assert.equal(fileNameFor('a/b'), 'a%2Fb.json');
  assert.equal(fileNameFor('..'), '%2E..json');
});
