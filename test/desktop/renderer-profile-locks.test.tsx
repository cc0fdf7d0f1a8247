// Profiles from admins in the UI, through the real service: a .pcf imported from the file
// picker (what was not carried over listed, the key saved, never shown), its locked fields
// disabled with a lock, an edit that keeps what the form does not show, and a managed profile
// read-only.
import './support/dom.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ProfileForm } from '../../app/renderer/ui/ProfileForm.js';
import { ProfileList } from '../../app/renderer/ui/ProfileList.js';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { ManagedProfiles } from '../../app/profiles/managed.js';
import { BRANCH_PCF } from '../profiles/cisco-encoder.js';
import { createServiceFixture, savedSecret } from './support/service-fixture.js';
import { renderWith, storeFor } from './support/render-app.js';

const PCF = BRANCH_PCF;

test('import from the file picker, then the locked gateway is disabled and kept on save', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    const selected: string[] = [];
    const list = renderWith(
      store,
      <ProfileList
        selected={undefined}
        onSelect={(n) => selected.push(n)}
        onNew={() => undefined}
      />,
    );
    const file = new File([Buffer.from(PCF, 'latin1')], 'Branch.pcf');
    await act(async () =>
      fireEvent.change(screen.getByLabelText('Profile file to import'), {
        target: { files: [file] },
      }),
    );
    await waitFor(() => assert.deepEqual(selected, ['Branch']));
    const result = await screen.findByRole('status');
    assert.match(
      result.textContent ?? '',
      /Imported “Branch” from Branch\.pcf\. The group key was saved in the keychain\./,
    );
    assert.match(result.textContent ?? '', /EnableLocalLAN: not carried over/);
    assert.ok(!document.body.innerHTML.includes('branch-key'), 'the key is never shown');
    assert.equal(
      (await savedSecret(fixture.credentials, 'Branch', 'group-psk'))?.value,
      'branch-key',
    );
    list.unmount();

    const branch = await fixture.service.getProfile('Branch');
    renderWith(
      store,
      <ProfileForm profile={branch} onSaved={() => undefined} onDeleted={() => undefined} />,
    );
    const gateway = screen.getByLabelText(/^Gateway(?! identity)/) as HTMLInputElement;
    assert.equal(gateway.disabled, true);
    assert.ok(
      within(gateway.closest('.field') as HTMLElement).getByRole('img', { name: 'locked' }),
    );
    assert.equal((screen.getByLabelText(/^Group name/) as HTMLInputElement).disabled, false);
    assert.match(
      screen.getByTestId('imported-from').textContent ?? '',
      /Imported from Branch\.pcf/,
    );

    fireEvent.change(screen.getByLabelText('MTU'), { target: { value: '1300' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save changes' })));
    await waitFor(async () => assert.equal((await fixture.service.getProfile('Branch')).mtu, 1300));
    const saved = await fixture.service.getProfile('Branch');
    assert.deepEqual(saved.locked, ['gateway'], 'the locks are kept');
    assert.deepEqual(saved.backupGateways, ['vpn2.branch.example']);
    assert.equal(saved.importedFrom?.file, 'Branch.pcf');
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('a broken file: the reasons listed, field by field', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    renderWith(
      store,
      <ProfileList selected={undefined} onSelect={() => undefined} onNew={() => undefined} />,
    );
    const file = new File(['[main]\r\nHost=x\r\nAuthType=9\r\nGroupName=g\r\n'], 'odd.pcf');
    await act(async () =>
      fireEvent.change(screen.getByLabelText('Profile file to import'), {
        target: { files: [file] },
      }),
    );
    const alert = await screen.findByRole('alert');
    assert.match(
      alert.textContent ?? '',
      /odd\.pcf cannot be imported:AuthType: unknown value "9"/,
    );
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('a managed profile: marked in the list, every field disabled, no Save or Delete', async () => {
  const root = await mkdtemp(join(tmpdir(), 'rw-managed-ui-'));
  await mkdir(join(root, 'system'));
  await writeFile(
    join(root, 'system', 'HQ.json'),
    JSON.stringify({ name: 'HQ', gateway: 'vpn.corp.example', group: 'staff' }),
  );
  const profiles = new ProfileStore(join(root, 'user'), new ManagedProfiles(join(root, 'system')));
  const fixture = await createServiceFixture({}, { profiles });
  try {
    const store = await storeFor(fixture);
    const list = renderWith(
      store,
      <ProfileList selected={undefined} onSelect={() => undefined} onNew={() => undefined} />,
    );
    const item = screen.getByRole('button', { name: /HQ/ });
    assert.match(item.textContent ?? '', /managed/);
    list.unmount();
    const hq = await fixture.service.getProfile('HQ');
    renderWith(
      store,
      <ProfileForm profile={hq} onSaved={() => undefined} onDeleted={() => undefined} />,
    );
    assert.ok(screen.getByTestId('managed-note'));
    for (const label of [/^Name/, /^Gateway(?! identity)/, /^Group name/, /^MTU/])
      assert.equal(
        (screen.getByLabelText(label) as HTMLInputElement).disabled,
        true,
        String(label),
      );
    assert.equal(screen.queryByRole('button', { name: 'Save changes' }), null);
    assert.equal(screen.queryByRole('button', { name: 'Delete…' }), null);
    assert.ok(screen.getByRole('button', { name: 'Duplicate' }));
  } finally {
    cleanup();
    await fixture.close();
    await rm(root, { recursive: true, force: true });
  }
});
