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
    const labText = JSON.stringify({
      name: 'Lab',
      gateway: 'lab.example',
      group: 'g',
      dpdDelaySeconds: 99999,
    });
    await writeFile(badField, labText);
    const listing = await store.list();
    assert.deepEqual(
      listing.profiles.map((p) => p.name),
      ['Office VPN'],
    );
    assert.equal(listing.problems.length, 2);
    const jsonProblem = listing.problems.find((p) => p.file === badJson)?.message ?? '';
    assert.match(
      jsonProblem,
      /Home\.json: JSON: not valid JSON .*; moved aside to .*Home\.json\.corrupt-/,
    );
    const aside = (await readdir(dir)).filter((n) => n.startsWith('Home.json.corrupt-'));
    assert.equal(aside.length, 1, 'the corrupt file is moved aside, not deleted');
    assert.equal(await readFile(join(dir, aside[0]!), 'utf8'), '{ "name": "Home", ');
    assert.match(
      listing.problems.find((p) => p.file === badField)?.message ?? '',
      /Lab\.json: dpdDelaySeconds: /,
    );

    // the corrupt one is out of the way: a new Home can be saved, the old bytes are kept aside
    await store.save({ name: 'Home', gateway: 'home.example', group: 'g' });
    assert.equal((await store.get('Home')).gateway, 'home.example');
    // a JSON file with a bad field stays in place and is never overwritten
    await assert.rejects(
      store.save({ name: 'Lab', gateway: 'lab.example', group: 'g' }),
      (error: unknown) =>
        error instanceof ServiceError &&
        error.code === 'conflict' &&
        error.message.includes(badField),
    );
    assert.equal(await readFile(badField, 'utf8'), labText, 'the broken file is untouched');
    await assert.rejects(store.get('Lab'), /Lab\.json: dpdDelaySeconds/);
  }));

test('writes are atomic and keep the previous version; a delete keeps the last one', () =>
  withStore(async (store, dir) => {
    await store.save(office);
    await store.save({ ...office, mtu: 1300 }, 'Office VPN');
    const file = join(dir, 'Office VPN.json');
    const backup = JSON.parse(await readFile(`${file}.bak`, 'utf8')) as { mtu?: number };
    assert.equal(backup.mtu, undefined, 'the .bak holds the version before the change');
    assert.equal((await store.get('Office VPN')).mtu, 1300);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('.')),
      [],
      'no temporary file or lock left behind',
    );
    assert.equal(await store.delete('Office VPN'), true);
    assert.equal(JSON.parse(await readFile(`${file}.bak`, 'utf8')).mtu, 1300);
    assert.deepEqual((await store.list()).profiles, []);
  }));

test("a version-1 file (no version) is read as today's profile and written back as version 2", () =>
  withStore(async (store, dir) => {
    await writeFile(
      join(dir, 'Old.json'),
      JSON.stringify({ name: 'Old', gateway: 'old.example', group: 'g', mtu: 1400 }),
    );
    const old = await store.get('Old');
    assert.equal(old.version, 2);
    assert.deepEqual(old.backupGateways, []);
    await store.save({ ...old, mtu: 1380 }, 'Old');
    assert.equal(JSON.parse(await readFile(join(dir, 'Old.json'), 'utf8')).version, 2);
    await writeFile(
      join(dir, 'Future.json'),
      JSON.stringify({ name: 'Future', gateway: 'f', group: 'g', version: 3 }),
    );
    const listing = await store.list();
    assert.match(
      listing.problems.find((p) => p.file.endsWith('Future.json'))?.message ?? '',
      /Future\.json: version: this Roadwarrior reads profile versions 1 to 2/,
    );
    assert.deepEqual(
      listing.profiles.map((p) => p.name),
      ['Old'],
    );
  }));

test('a locked field cannot be changed, nor the locks themselves', () =>
  withStore(async (store) => {
    await store.save({ ...office, locked: ['gateway', 'group'] });
    await assert.rejects(
      store.save(
        { ...office, gateway: 'evil.example', locked: ['gateway', 'group'] },
        'Office VPN',
      ),
      (error: unknown) =>
        error instanceof ServiceError &&
        error.code === 'forbidden' &&
        /gateway is locked/.test(error.message),
    );
    await assert.rejects(
      store.save({ ...office, gateway: 'evil.example', locked: [] }, 'Office VPN'),
      /locked fields of this profile cannot be changed/,
    );
    const changed = await store.save(
      { ...office, mtu: 1300, locked: ['gateway', 'group'] },
      'Office VPN',
    );
    assert.equal(changed.mtu, 1300, 'an unlocked field still changes');
    assert.equal((await store.get('Office VPN')).gateway, 'vpn.example.com');
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
    assert.deepEqual((await readdir(dir)).sort(), ['Office VPN.json.bak', 'Office.json']);
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
