// The desktop service's side of profiles for admins, through the IPC handlers the UI calls:
// import of a .pcf (its group key into the keychain, bound; what was not carried over listed),
// a broken file refused field by field, managed profiles listed and read-only.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServiceHandlers } from '../../app/main/service/handlers.js';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { ServiceError } from '../../app/main/service/service-error.js';
import { ManagedProfiles } from '../../app/profiles/managed.js';
import { BRANCH_PCF } from '../profiles/cisco-encoder.js';
import { createServiceFixture, savedSecret } from './support/service-fixture.js';

const PCF = BRANCH_PCF;

test('profiles.import: saved, group key in the keychain (bound), notes listed, no secret in the answer', async () => {
  const fixture = await createServiceFixture();
  try {
    const handlers = createServiceHandlers(fixture.service, { host: 'web', version: 't' });
    const call = <T>(run: () => T | Promise<T>): Promise<T> => Promise.resolve().then(run);
    const report = await handlers['profiles.import']({
      fileName: 'Branch.pcf',
      contentBase64: Buffer.from(PCF, 'latin1').toString('base64'),
    });
    assert.equal(report.profile.name, 'Branch');
    assert.deepEqual(report.profile.locked, ['gateway']);
    assert.deepEqual(report.profile.importedFrom?.file, 'Branch.pcf');
    assert.deepEqual(report.secrets, [{ kind: 'group-psk', saved: true }]);
    assert.deepEqual(
      report.notes.map((n) => n.field),
      ['EnableLocalLAN'],
    );
    assert.ok(!JSON.stringify(report).includes('branch-key'));
    assert.deepEqual(await savedSecret(fixture.credentials, 'Branch', 'group-psk'), {
      value: 'branch-key',
      binding: { gateway: 'vpn.branch.example', group: 'branch' },
    });
    const dir = join(fixture.directory, 'profiles');
    for (const file of await readdir(dir))
      assert.ok(!(await readFile(join(dir, file), 'utf8')).includes('branch-key'), file);

    // the locked field cannot be changed through the service either
    await assert.rejects(
      call(() =>
        handlers['profiles.save']({
          profile: { ...report.profile, gateway: 'evil.example' },
          previousName: 'Branch',
        }),
      ),
      (error: unknown) => error instanceof ServiceError && error.code === 'forbidden',
    );

    await assert.rejects(
      call(() =>
        handlers['profiles.import']({
          fileName: 'unknown-auth.pcf',
          contentBase64: Buffer.from('[main]\r\nHost=x\r\nAuthType=9\r\nGroupName=g\r\n').toString(
            'base64',
          ),
        }),
      ),
      (error: unknown) =>
        error instanceof ServiceError &&
        error.code === 'invalid-input' &&
        error.issues?.[0]?.path === 'AuthType' &&
        /unknown value "9"/.test(error.issues[0].message),
    );
  } finally {
    await fixture.close();
  }
});

test('managed profiles through the service: listed as managed, read-only, not shadowed by an import', async () => {
  const root = await mkdtemp(join(tmpdir(), 'rw-managed-service-'));
  const system = join(root, 'profiles.d');
  await mkdir(system);
  await writeFile(
    join(system, 'HQ.json'),
    JSON.stringify({
      name: 'HQ',
      gateway: 'vpn.corp.example',
      group: 'staff',
      locked: ['gateway'],
    }),
  );
  const store = new ProfileStore(join(root, 'user'), new ManagedProfiles(system));
  const fixture = await createServiceFixture({}, { profiles: store });
  try {
    const handlers = createServiceHandlers(fixture.service, { host: 'web', version: 't' });
    const call = <T>(run: () => T | Promise<T>): Promise<T> => Promise.resolve().then(run);
    const listing = await handlers['profiles.list'](undefined);
    assert.deepEqual(listing.managed, ['HQ']);
    assert.ok(listing.profiles.some((p) => p.name === 'HQ'));
    const hq = await handlers['profiles.get']({ name: 'HQ' });
    await assert.rejects(
      call(() => handlers['profiles.save']({ profile: { ...hq, mtu: 1300 }, previousName: 'HQ' })),
      /managed by your administrator/,
    );
    await assert.rejects(
      call(() => handlers['profiles.delete']({ name: 'HQ' })),
      /cannot be removed/,
    );
    await assert.rejects(
      call(() =>
        handlers['profiles.import']({
          fileName: 'x.pcf',
          contentBase64: Buffer.from(PCF, 'latin1').toString('base64'),
          name: 'HQ',
        }),
      ),
      (error: unknown) => error instanceof ServiceError && error.code === 'conflict',
    );
    assert.equal(await fixture.credentials.get('HQ', 'group-psk'), undefined, 'nothing saved');
  } finally {
    await fixture.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('a profile file opened with the app (double-click): imported, the outcome a notice without secrets', async () => {
  const fixture = await createServiceFixture();
  const root = await mkdtemp(join(tmpdir(), 'rw-opened-'));
  try {
    const good = join(root, 'Branch Office.pcf');
    await writeFile(good, PCF, 'latin1');
    await fixture.service.importOpenedFile(good);
    const imported = await fixture.waitFor(
      'notice',
      (n) => n.code === 'profile-imported',
      'the import notice',
    );
    assert.equal(
      imported.message,
      'Imported "Branch Office" from Branch Office.pcf. 1 setting was not carried over: EnableLocalLAN.',
    );
    assert.equal((await fixture.service.getProfile('Branch Office')).gateway, 'vpn.branch.example');

    const bad = join(root, 'broken.vpn');
    await writeFile(bad, 's:network-host:gw\nnonsense\n');
    await fixture.service.importOpenedFile(bad);
    const failed = await fixture.waitFor(
      'notice',
      (n) => n.code === 'profile-import-failed',
      'the failure notice',
    );
    assert.match(
      failed.message,
      /^broken\.vpn was not imported: .*line 2: expected TYPE:KEY:VALUE/,
    );
    assert.ok(!JSON.stringify(fixture.messages).includes('branch-key'));
  } finally {
    await fixture.close();
    await rm(root, { recursive: true, force: true });
  }
});
