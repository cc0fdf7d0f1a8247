// The Log tab's "Save support bundle" (issue 14): the web host hands the archive to the page,
// which saves it as a .tar.gz download; the status line says so.
import './support/dom.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { LogPane } from '../../app/renderer/ui/LogPane.js';
import { createServiceFixture } from './support/service-fixture.js';
import { renderWith, storeFor } from './support/render-app.js';

test('Save support bundle downloads the archive the service built', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rw-ui-bundle-'));
  process.env.XDG_STATE_HOME = home;
  const fixture = await createServiceFixture();
  const saved: { blob: Blob; name: string }[] = [];
  const createObjectURL = URL.createObjectURL;
  const click = HTMLAnchorElement.prototype.click;
  let lastBlob: Blob | undefined;
  URL.createObjectURL = (blob: Blob) => {
    lastBlob = blob;
    return 'blob:bundle';
  };
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    if (lastBlob) saved.push({ blob: lastBlob, name: this.download });
  };
  t.after(async () => {
    URL.createObjectURL = createObjectURL;
    HTMLAnchorElement.prototype.click = click;
    cleanup();
    await fixture.close();
    rmSync(home, { recursive: true, force: true });
  });

  const store = await storeFor(fixture);
  renderWith(store, <LogPane />);
  await act(async () =>
    fireEvent.click(screen.getByRole('button', { name: 'Save support bundle' })),
  );
  await waitFor(() =>
    assert.match(screen.getByTestId('log-status').textContent ?? '', /Saved the support bundle/),
  );
  assert.equal(saved.length, 1);
  assert.match(saved[0]!.name, /^roadwarrior-support-.*\.tar\.gz$/);
  const tar = gunzipSync(Buffer.from(await saved[0]!.blob.arrayBuffer()));
  assert.ok(tar.includes(Buffer.from('roadwarrior-support/profiles.json')), 'a bundle');
  assert.ok(tar.includes(Buffer.from('"name": "Office"')), 'with the profile');
});
