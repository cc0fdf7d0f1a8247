// The desktop asks for an encrypted client key's passphrase (xauth-rsa) and saves it only once
// it has opened the key: the real VpnService and engine against the in-memory gateway signing
// with a test PKI (test/engine/support/certificate-responder.ts). A wrong passphrase is said to
// be wrong, not saved, and asked again; a saved one answers the next connect on its own. The key
// is a PEM file of its own, or in the PKCS#12 certificate file (no privateKeyFile).
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect } from '../../app/engine/index.js';
import { MemoryCredentialStore } from '../../app/main/service/credential-store.js';
import { ProfileStore } from '../../app/main/service/profile-store.js';
import { VpnService } from '../../app/main/service/vpn-service.js';
import { Secret } from '../../app/shared/secret.js';
import type { EventMessage } from '../../app/shared/ui/ipc.js';
import type { PromptRequest, ServiceSnapshot } from '../../app/shared/ui/ipc-schemas.js';
import { exportClientPkcs12, makeTestPki } from '../lab/pki.js';
import { FakeGateway } from '../engine/support/fake-gateway.js';
import { savedSecret } from './support/service-fixture.js';

const GATEWAY = '192.0.2.1';
const PASSPHRASE = 'key-passphrase-5d2e';
const WRONG = 'not-the-passphrase-91c7';
const PASSWORD = 'cert-user-password-3b80';
const pki = makeTestPki(GATEWAY);
after(() => pki.remove());

/** alice's key encrypted by node:crypto with PASSPHRASE, in a file of its own */
async function encryptedKeyFile(directory: string): Promise<string> {
  const pem = createPrivateKey(await readFile(pki.clientKey)).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: PASSPHRASE,
  });
  const file = join(directory, 'client-encrypted.key');
  await writeFile(file, pem, { mode: 0o600 });
  return file;
}

type KeyIn = 'PEM key file' | 'PKCS#12 file';

/** The profile's certificate and key files, and the file holding the key. */
async function clientFiles(directory: string, keyIn: KeyIn) {
  if (keyIn === 'PKCS#12 file') {
    const p12 = exportClientPkcs12(pki, join(directory, 'alice.p12'), PASSPHRASE);
    return { files: { certificateFile: p12 }, keyFile: p12 };
  }
  const keyFile = await encryptedKeyFile(directory);
  return { files: { certificateFile: pki.clientCert, privateKeyFile: keyFile }, keyFile };
}

async function certificateService(keyIn: KeyIn = 'PEM key file') {
  const directory = await mkdtemp(join(tmpdir(), 'rw-passphrase-'));
  const { files, keyFile } = await clientFiles(directory, keyIn);
  const store = new MemoryCredentialStore();
  const gateway = () =>
    new FakeGateway({
      psk: 'unused-group-key',
      username: 'alice',
      password: PASSWORD,
      virtualIp: '10.99.0.7',
      dns: ['10.99.0.53'],
      savePassword: true,
      certificates: {
        certificate: new X509Certificate(readFileSync(pki.lab.gatewayCert)),
        key: createPrivateKey(readFileSync(pki.lab.gatewayKey)),
        initiator: 'signature',
      },
    });
  const service = new VpnService({
    connect,
    createDataPlane: gateway,
    profiles: new ProfileStore(join(directory, 'profiles')),
    credentials: store,
    connectDefaults: { timing: { initialMs: 10, tries: 4 } },
    backoff: { initialMs: 20, maxMs: 100, maxAttempts: 1, jitter: 0 },
  });
  const messages: EventMessage[] = [];
  service.on((message) => messages.push(message));
  await service.start();
  await service.saveProfile({
    name: 'Cert',
    gateway: GATEWAY,
    group: 'staff',
    username: 'alice',
    exchange: 'main',
    authMethod: 'xauth-rsa',
    ikeProposals: ['aes256-sha256-modp2048'],
    espProposals: ['aes256gcm16'],
    caFile: pki.lab.caCert,
    ...files,
  });
  await store.set('Cert', 'xauth-password', Secret.fromString(PASSWORD));
  return {
    service,
    store,
    keyFile,
    messages,
    close: async () => {
      await service.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The first snapshot (seen from now on) that passes `wanted`; a failure ends the wait. */
function snapshotWhere(
  service: VpnService,
  wanted: (s: ServiceSnapshot) => boolean,
): Promise<ServiceSnapshot> {
  return new Promise((resolve, reject) => {
    const check = (s: ServiceSnapshot) => {
      if (wanted(s)) resolve(s);
      else if (s.phase === 'failed') reject(new Error(`failed: ${s.failure?.message ?? ''}`));
      else return;
      stop();
    };
    const stop = service.on((m) => {
      if (m.name === 'snapshot') check(m.payload);
    });
    check(service.snapshot());
  });
}

const passphrasePrompt = (service: VpnService) =>
  snapshotWhere(service, (s) => s.prompt?.kind === 'key-passphrase').then(
    (s) => s.prompt as Extract<PromptRequest, { kind: 'key-passphrase' }>,
  );

for (const keyIn of ['PEM key file', 'PKCS#12 file'] as const)
  test(`an encrypted client key (${keyIn}): asked for, a wrong passphrase said so and not saved, the right one saved once it opened the key`, async () => {
    const { service, store, keyFile, messages, close } = await certificateService(keyIn);
    try {
      await service.connect('Cert', 'debug');
      const first = await passphrasePrompt(service);
      assert.equal(first.keyFile, keyFile);
      assert.equal(first.canRemember, true);
      assert.equal(first.reason, undefined);
      assert.ok(
        service.answerPrompt({ id: first.id, values: { keyPassphrase: WRONG }, remember: true }),
      );

      const again = await snapshotWhere(
        service,
        (s) => s.prompt?.kind === 'key-passphrase' && s.prompt.id !== first.id,
      ).then((s) => s.prompt as Extract<PromptRequest, { kind: 'key-passphrase' }>);
      assert.match(again.reason ?? '', /does not open the key .* so it was not saved/);
      assert.equal(
        await store.get('Cert', 'key-passphrase'),
        undefined,
        'a wrong passphrase is never saved',
      );

      service.answerPrompt({ id: again.id, values: { keyPassphrase: PASSPHRASE }, remember: true });
      const up = await snapshotWhere(service, (s) => s.phase === 'connected');
      assert.equal(up.ike?.authMethod, 'XAUTH-RSA');
      assert.equal((await savedSecret(store, 'Cert', 'key-passphrase'))?.value, PASSPHRASE);
      assert.equal((await service.credentialStatus('Cert')).keyPassphrase, true);
      await service.disconnect();

      // the next connect: the saved passphrase opens the key, nobody is asked
      const asked: string[] = [];
      service.on((m) => {
        if (m.name === 'snapshot' && m.payload.prompt) asked.push(m.payload.prompt.kind);
      });
      await service.connect('Cert', 'debug');
      await snapshotWhere(service, (s) => s.phase === 'connected');
      assert.deepEqual(asked, []);
      await service.disconnect();

      const everything = JSON.stringify(messages) + JSON.stringify(service.readLogs(0, 100_000));
      for (const secret of [PASSPHRASE, WRONG, PASSWORD])
        assert.ok(!everything.includes(secret), 'no secret in any event or log line');
    } finally {
      await close();
    }
  });

test('a saved passphrase that no longer opens the key is not used: the user is asked, and told why', async () => {
  const { service, store, close } = await certificateService();
  try {
    await service.setCredential('Cert', 'key-passphrase', WRONG);
    await service.connect('Cert', 'debug');
    const prompt = await passphrasePrompt(service);
    assert.match(prompt.reason ?? '', /saved in the keychain does not open the key/);
    service.answerPrompt({ id: prompt.id, values: { keyPassphrase: PASSPHRASE }, remember: false });
    await snapshotWhere(service, (s) => s.phase === 'connected');
    // not asked to remember it: the keychain keeps what it had
    assert.equal((await savedSecret(store, 'Cert', 'key-passphrase'))?.value, WRONG);
    await service.disconnect();
  } finally {
    await close();
  }
});
