// XAuth rounds beyond the first in the desktop prompt (issue 15 item 5): a new PIN is typed
// twice and sent once, a round that asks nothing shows the gateway's message to acknowledge,
// and the prompt broker takes exactly the answers the round's fields need (keys from
// app/shared/xauth-fields.ts).
import './support/dom.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { PromptBroker } from '../../app/main/service/prompt-broker.js';
import type { AppStore } from '../../app/renderer/state/app-store.js';
import { PromptDialog } from '../../app/renderer/ui/PromptDialog.js';
import type { PromptAnswer, PromptRequest } from '../../app/shared/ui/ipc.js';
import { renderWith } from './support/render-app.js';

/** A store whose client hands prompt answers to a real broker, as the service does. */
function brokerStore(broker: PromptBroker): AppStore {
  const invoke = async (name: string, input: unknown) => {
    if (name === 'prompt.answer') return broker.answer(input as PromptAnswer);
    if (name === 'prompt.cancel') return broker.cancel((input as { id: string }).id);
    throw new Error(`unexpected call ${name}`);
  };
  return { client: { invoke } } as unknown as AppStore;
}

function ask(
  broker: PromptBroker,
  round: Pick<Extract<PromptRequest, { kind: 'xauth' }>, 'fields' | 'message'>,
) {
  const answered = broker.ask({
    kind: 'xauth',
    profile: 'Office',
    round: 2,
    xauthType: 'generic',
    canRemember: false,
    ...round,
  });
  const shown = broker.current;
  assert.ok(shown);
  return { answered, shown };
}

test('new PIN: two different entries are refused in the dialog, the same one is sent once', async () => {
  const broker = new PromptBroker(() => undefined);
  const { answered, shown } = ask(broker, {
    fields: ['next-pin'],
    message: 'Enter a new PIN of 4 to 8 digits',
  });
  try {
    renderWith(brokerStore(broker), <PromptDialog prompt={shown} gateway="vpn.example.com" />);
    const dialog = screen.getByRole('dialog', { name: 'Sign in to vpn.example.com' });
    assert.equal(
      within(dialog).getByTestId('gateway-message').textContent,
      'The gateway says: Enter a new PIN of 4 to 8 digits',
    );
    fireEvent.change(within(dialog).getByLabelText('New PIN'), { target: { value: '4711' } });
    fireEvent.change(within(dialog).getByLabelText('Confirm new PIN'), {
      target: { value: '4712' },
    });
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' })));
    assert.ok(within(dialog).getByText('The two PINs differ'));
    assert.ok(broker.current, 'nothing was answered');

    fireEvent.change(within(dialog).getByLabelText('Confirm new PIN'), {
      target: { value: '4711' },
    });
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' })));
    const answer = await answered;
    assert.deepEqual(answer.values, { nextPin: '4711' });
    assert.equal(broker.current, undefined);
  } finally {
    cleanup();
  }
});

test('a round that asks nothing: the message is shown and Continue acknowledges it', async () => {
  const broker = new PromptBroker(() => undefined);
  const { answered, shown } = ask(broker, {
    fields: [],
    message: 'Your password expires in 3 days',
  });
  try {
    renderWith(brokerStore(broker), <PromptDialog prompt={shown} gateway="vpn.example.com" />);
    const dialog = screen.getByRole('dialog');
    assert.match(within(dialog).getByTestId('gateway-message').textContent ?? '', /expires in 3/);
    assert.equal(within(dialog).queryAllByRole('textbox').length, 0, 'no field to fill');
    await act(async () =>
      fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' })),
    );
    assert.deepEqual((await answered).values, {});
  } finally {
    cleanup();
  }
});

test('the broker wants the answer key of each field asked, and names a missing one', () => {
  const broker = new PromptBroker(() => undefined);
  const { answered, shown } = ask(broker, { fields: ['passcode', 'next-pin'] });
  assert.throws(
    () => broker.answer({ id: shown.id, values: { passcode: '271828' }, remember: false }),
    /values\.nextPin: required/,
  );
  assert.equal(
    broker.answer({
      id: shown.id,
      values: { passcode: '271828', nextPin: '4711' },
      remember: false,
    }),
    true,
  );
  return answered.then((answer) =>
    assert.deepEqual(answer.values, { passcode: '271828', nextPin: '4711' }),
  );
});

test('an encrypted client key: the passphrase prompt names the key file and the reason, and sends the passphrase with remember', async () => {
  const broker = new PromptBroker(() => undefined);
  const answered = broker.ask({
    kind: 'key-passphrase',
    profile: 'Cert',
    keyFile: '/home/alice/alice.key',
    canRemember: true,
    reason:
      'That passphrase does not open the key in /home/alice/alice.key, so it was not saved. Enter it again.',
  });
  const shown = broker.current;
  assert.ok(shown);
  try {
    renderWith(brokerStore(broker), <PromptDialog prompt={shown} gateway="vpn.example.com" />);
    const dialog = screen.getByRole('dialog', { name: 'Client key of “Cert”' });
    assert.ok(within(dialog).getByText('/home/alice/alice.key'));
    assert.match(within(dialog).getByRole('status').textContent ?? '', /so it was not saved/);
    await act(async () =>
      fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' })),
    );
    assert.ok(broker.current, 'an empty passphrase is not sent');

    const field = within(dialog).getByLabelText('Passphrase');
    assert.equal(field.getAttribute('type'), 'password');
    fireEvent.change(field, { target: { value: 'open sesame' } });
    fireEvent.click(
      within(dialog).getByLabelText('Save the passphrase in the keychain once it opens the key'),
    );
    await act(async () =>
      fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' })),
    );
    const answer = await answered;
    assert.deepEqual(answer.values, { keyPassphrase: 'open sesame' });
    assert.equal(answer.remember, true);
  } finally {
    cleanup();
  }
});
