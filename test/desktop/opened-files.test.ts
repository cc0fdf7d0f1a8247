// A double-click on a .pcf or .vpn: the paths the OS passes are found among the arguments, and
// the packaging registers both file types.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { profileFilesIn } from '../../app/main/electron/opened-files.js';

test('profile files among the arguments: absolute .pcf and .vpn paths only', () => {
  assert.deepEqual(
    profileFilesIn([
      '/opt/Roadwarrior/roadwarrior-desktop',
      '--no-sandbox',
      '/home/ann/Downloads/Office VPN.PCF',
      'relative.pcf',
      '/home/ann/branch.vpn',
      '/home/ann/notes.txt',
      '--flag=/x.pcf',
    ]),
    ['/home/ann/Downloads/Office VPN.PCF', '/home/ann/branch.vpn'],
  );
});

test('electron-builder registers .pcf and .vpn so a double-click opens the import', async () => {
  const config = await readFile(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
  const section = /^fileAssociations:\n((?: {2}.*\n)+)/m.exec(config)?.[1] ?? '';
  assert.match(section, /- ext: pcf\n\s+name: Cisco VPN profile/);
  assert.match(section, /- ext: vpn\n\s+name: Shrew Soft VPN profile/);
});
