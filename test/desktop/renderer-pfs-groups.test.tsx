// The profile form's PFS choices come from app/shared/algorithms.ts: every DH group the engine
// knows, the larger ones (RFC 3526 17, 18; RFC 5903 21) included, and a choice is saved.
import './support/dom.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { Profile } from '../../app/shared/ui/ipc.js';
import { ProfileForm } from '../../app/renderer/ui/ProfileForm.js';
import { createServiceFixture } from './support/service-fixture.js';
import { renderWith, storeFor } from './support/render-app.js';

test('PFS offers groups 17, 18 and 21 by name, and saves one', async () => {
  const fixture = await createServiceFixture();
  try {
    const store = await storeFor(fixture);
    const office = await fixture.service.getProfile('Office');
    const saved: Profile[] = [];
    renderWith(
      store,
      <ProfileForm profile={office} onSaved={(p) => saved.push(p)} onDeleted={() => undefined} />,
    );
    const select = screen.getByLabelText('PFS') as HTMLSelectElement;
    const labels = [...select.options].map((o) => `${o.value}: ${o.textContent}`);
    for (const expected of [
      'modp2048: Group 14 (MODP 2048)',
      'modp6144: Group 17 (MODP 6144)',
      'modp8192: Group 18 (MODP 8192)',
      'ecp521: Group 21 (ECP 521)',
    ])
      assert.ok(labels.includes(expected), `${expected} in ${labels.join(', ')}`);
    fireEvent.change(select, { target: { value: 'ecp521' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save changes' })));
    await waitFor(() => assert.equal(saved.length, 1));
    assert.equal((await fixture.service.getProfile('Office')).pfs, 'ecp521');
  } finally {
    cleanup();
    await fixture.close();
  }
});
