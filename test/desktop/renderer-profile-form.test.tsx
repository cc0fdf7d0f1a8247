// The profile form: inline messages that name the field (from ProfileSchema), advanced fields
// opened when they hold an error, the service's own refusals shown, and a valid save.
import './support/dom.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { type Profile, ProfileSchema } from '../../app/shared/ui/ipc.js';
import { ProfileForm } from '../../app/renderer/ui/ProfileForm.js';
import { type ServiceFixture, createServiceFixture } from './support/service-fixture.js';
import { renderWith, storeFor } from './support/render-app.js';

function errorFor(label: string): string | undefined {
  const input = screen.getByLabelText(label);
  const ids = input.getAttribute('aria-describedby')?.split(' ') ?? [];
  return (
    ids.map((id) => document.getElementById(id)).find((el) => el?.hasAttribute('data-field-error'))
      ?.textContent ?? undefined
  );
}

/** The form of a saved profile, as the Profiles tab shows it. */
async function showSaved(fixture: ServiceFixture, profile: Profile) {
  return renderWith(
    await storeFor(fixture),
    <ProfileForm profile={profile} onSaved={() => undefined} onDeleted={() => undefined} />,
  );
}

const type = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

test('submitting an empty form names every missing field; the advanced part opens on its errors', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    const saved: Profile[] = [];
    const { container } = renderWith(
      store,
      <ProfileForm onSaved={(p) => saved.push(p)} onDeleted={() => undefined} />,
    );
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create profile' })));
    assert.equal(errorFor('Name'), 'Name is required');
    assert.equal(errorFor('Gateway'), 'Gateway is required');
    assert.equal(errorFor('Group name'), 'Group name is required');
    assert.equal(screen.getByLabelText('Gateway').getAttribute('aria-invalid'), 'true');
    assert.equal(container.querySelector('details')?.hasAttribute('open'), false);

    type('Name', 'Lab');
    type('Gateway', 'lab gateway');
    type('Group name', 'eng');
    type('MTU', '100');
    type('Split-tunnel networks', '10.0.0.0/8\nnot-a-net');
    type('DPD interval', 'soon');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create profile' })));
    assert.equal(errorFor('Name'), undefined);
    assert.equal(errorFor('Gateway'), 'Gateway must be a host name or an IP address');
    assert.equal(errorFor('MTU'), 'MTU must be at least 576');
    assert.equal(
      errorFor('Split-tunnel networks'),
      'Split-tunnel networks must be an IPv4 network like 10.1.0.0/16 (line 2)',
    );
    assert.equal(errorFor('DPD interval'), 'DPD interval must be a whole number');
    assert.equal(container.querySelector('details')?.hasAttribute('open'), true);
    assert.equal(saved.length, 0);

    type('Gateway', 'lab.example.com');
    type('MTU', '1280');
    type('Split-tunnel networks', '10.0.0.0/8\n192.168.50.0/24');
    type('DPD interval', '15');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create profile' })));
    await waitFor(() => assert.equal(saved[0]?.name, 'Lab'));
    const stored = await fixture.service.getProfile('Lab');
    assert.equal(stored.mtu, 1280);
    assert.equal(stored.dpdDelaySeconds, 15);
    assert.deepEqual(stored.splitTunnelOverride, ['10.0.0.0/8', '192.168.50.0/24']);
    assert.equal(store.state.profiles.length, 2, 'the list was refreshed');
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('the service refusing a duplicate name is shown, and nothing is overwritten', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    renderWith(store, <ProfileForm onSaved={() => undefined} onDeleted={() => undefined} />);
    type('Name', 'Office');
    type('Gateway', 'other.example.com');
    type('Group name', 'x');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create profile' })));
    assert.equal(
      (await screen.findByRole('alert')).textContent,
      'a profile named "Office" already exists',
    );
    assert.equal((await fixture.service.getProfile('Office')).gateway, 'vpn.example.com');
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('an existing profile shows whether secrets are saved, never their value', async () => {
  const fixture = await createServiceFixture();
  try {
    await fixture.service.setCredential('Office', 'group-psk', 'very-secret-key');
    const { container } = await showSaved(fixture, await fixture.service.getProfile('Office'));
    assert.equal(
      (await screen.findByTestId('secret-group-psk-state')).textContent,
      'saved in the keychain',
    );
    assert.equal(
      screen.getByTestId('secret-xauth-password-state').textContent,
      'asked when connecting',
    );
    assert.ok(!container.innerHTML.includes('very-secret-key'));
    assert.equal(screen.queryByTestId('secret-key-passphrase-state'), null, 'no client key');
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('lockdown and legacy algorithms are settings of the profile, kept across an edit', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    const office = await fixture.service.getProfile('Office');
    assert.equal(office.lockdown, false);
    const saved: Profile[] = [];
    renderWith(
      store,
      <ProfileForm profile={office} onSaved={(p) => saved.push(p)} onDeleted={() => undefined} />,
    );
    type('Lockdown', 'on');
    type('Legacy algorithms', 'on');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save changes' })));
    await waitFor(() => assert.equal(saved.length, 1));
    const stored = await fixture.service.getProfile('Office');
    assert.equal(stored.lockdown, true);
    assert.equal(stored.legacy, true);
    cleanup();

    // opened again: shown as set, and saved unchanged by an unrelated edit
    renderWith(
      store,
      <ProfileForm profile={stored} onSaved={(p) => saved.push(p)} onDeleted={() => undefined} />,
    );
    assert.equal((screen.getByLabelText('Lockdown') as HTMLSelectElement).value, 'on');
    type('Username', 'bob');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save changes' })));
    await waitFor(() => assert.equal(saved.length, 2));
    assert.equal((await fixture.service.getProfile('Office')).lockdown, true);
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('the phase 1 exchange (main mode) is a setting of the profile, kept across an edit', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    const office = await fixture.service.getProfile('Office');
    assert.equal(office.exchange, 'aggressive');
    const saved: Profile[] = [];
    renderWith(
      store,
      <ProfileForm profile={office} onSaved={(p) => saved.push(p)} onDeleted={() => undefined} />,
    );
    type('Phase 1 exchange', 'main');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save changes' })));
    await waitFor(() => assert.equal(saved.length, 1));
    const stored = await fixture.service.getProfile('Office');
    assert.equal(stored.exchange, 'main');
    cleanup();

    renderWith(
      store,
      <ProfileForm profile={stored} onSaved={(p) => saved.push(p)} onDeleted={() => undefined} />,
    );
    assert.equal((screen.getByLabelText('Phase 1 exchange') as HTMLSelectElement).value, 'main');
    type('Username', 'bob');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save changes' })));
    await waitFor(() => assert.equal(saved.length, 2));
    assert.equal((await fixture.service.getProfile('Office')).exchange, 'main');
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('every choice the profile schema allows is offered, in its order, and nothing else', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    renderWith(store, <ProfileForm onSaved={() => undefined} onDeleted={() => undefined} />);
    const shape = ProfileSchema.shape;
    const offered = (label: string) =>
      [...(screen.getByLabelText(label) as HTMLSelectElement).options].map((o) => o.value);
    assert.deepEqual(offered('Authentication'), shape.authMethod.unwrap().options);
    assert.deepEqual(offered('Password type'), ['off', 'on']);
    assert.deepEqual(offered('Phase 1 exchange'), shape.exchange.unwrap().options);
    assert.deepEqual(offered('Identity type'), shape.idType.unwrap().options);
    assert.deepEqual(offered('NAT traversal'), shape.natTraversal.unwrap().options);
    assert.deepEqual(offered('PFS'), shape.pfs.unwrap().options);
    assert.deepEqual(offered('Lockdown'), ['off', 'on']);
    // a new profile starts from the schema's defaults
    assert.equal((screen.getByLabelText('Interface name') as HTMLInputElement).value, 'rw0');
    assert.equal((screen.getByLabelText('NAT traversal') as HTMLSelectElement).value, 'force');
    assert.equal((screen.getByLabelText('Name') as HTMLInputElement).value, '');
  } finally {
    cleanup();
    await fixture.close();
  }
});

test('a token-code profile shows its password as asked at every connect, with nothing to save', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    const office = await fixture.service.getProfile('Office');
    const token = await fixture.service.saveProfile({ ...office, tokenCode: true }, 'Office');
    renderWith(
      store,
      <ProfileForm profile={token} onSaved={() => undefined} onDeleted={() => undefined} />,
    );
    assert.equal(
      (await screen.findByTestId('secret-xauth-password-state')).textContent,
      'a one-time token code: asked at every connect',
    );
    const row = screen.getByTestId('secret-xauth-password-state').closest('.secret-row');
    assert.ok(row);
    assert.deepEqual(
      [...row.querySelectorAll('button')].map((b) => b.textContent),
      [],
      'no Save…: a token code is never saved',
    );
    assert.equal((screen.getByLabelText('Password type') as HTMLSelectElement).value, 'on');
  } finally {
    cleanup();
    await fixture.close();
  }
});

for (const [keyIn, files] of [
  [
    'a PEM key file',
    { certificateFile: '/home/alice/alice.pem', privateKeyFile: '/home/alice/alice.key' },
  ],
  ['its PKCS#12 certificate file', { certificateFile: '/home/alice/alice.p12' }],
] as const)
  test(`a certificate profile (key in ${keyIn}) shows whether its client key passphrase is saved, never its value`, async () => {
    const fixture = await createServiceFixture();
    try {
      const office = await fixture.service.getProfile('Office');
      const certificate = await fixture.service.saveProfile(
        {
          ...office,
          authMethod: 'xauth-rsa',
          caFile: '/etc/roadwarrior/ca.pem',
          ...files,
        },
        'Office',
      );
      await fixture.service.setCredential('Office', 'key-passphrase', 'very-secret-passphrase');
      const { container } = await showSaved(fixture, certificate);
      assert.equal(
        (await screen.findByTestId('secret-key-passphrase-state')).textContent,
        'saved in the keychain',
      );
      assert.equal(
        document.getElementById('secret-key-passphrase-label')?.textContent,
        'Client key passphrase',
      );
      assert.ok(!container.innerHTML.includes('very-secret-passphrase'));
    } finally {
      cleanup();
      await fixture.close();
    }
  });
