// Certificate and hybrid authentication (issue 15 item 2) against the real strongSwan head-end,
// with PKIs made for the run (test/lab/pki.ts): xauth-rsa (our certificate and SIG_I, the
// gateway's certificate and SIG_R, then XAuth) and hybrid (the gateway's certificate, the user's
// XAuth), in main and in aggressive mode; the certificate method (certificates alone, no XAuth):
// ECDSA (RFC 4754) with EC PKIs, P-256 in main mode and P-384 in aggressive mode, the client's
// key choosing the method and the gateway signing with its EC key too, and RSA certificates
// (method 3); each up to a ping through the tunnel, Mode Config pulled, our certificate request
// naming the lab CA. And a gateway whose certificate comes from another CA, RSA and EC, refused
// with the gateway-cert-untrusted diagnosis. And alice's certificate and key from one
// passphrase-protected PKCS#12 file (no privateKeyFile, the passphrase from
// --key-passphrase-file): up to a ping, and a wrong passphrase named as such in the
// certificate-unusable diagnosis. And the profile's CRL file: one that lists the gateway's
// certificate refuses it (gateway-cert-revoked); a current one that does not, connects. And
// alice's certificate from an intermediate CA, the gateway trusting only the lab CA: it connects
// when her file holds the intermediate (sent as a second CERT payload) and is refused when it
// does not.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ErrorEvent } from '../../app/shared/events.js';
import { LAB_DEFAULTS, type LabOptions } from '../lab/options.js';
import {
  LAB_CLIENT_EMAIL,
  type PkiKeys,
  type TestPki,
  exportClientPkcs12,
  makeCrl,
  makeTestPki,
} from '../lab/pki.js';
import type { CliRun } from '../support/cli-process.js';
import {
  IN_PROCESS,
  clientFiles,
  connectCli,
  interopSkipReason,
  isConnected,
  pingFromClient,
  reportSkippedSuite,
  suiteLab,
} from '../support/interop.js';

const isError = (e: { type: string }): e is ErrorEvent => e.type === 'error';
const skip = interopSkipReason();

function pkiFor(keys: PkiKeys): TestPki {
  const made = makeTestPki(undefined, keys);
  after(() => made.remove());
  return made;
}
const pki = pkiFor('rsa');
const p256 = pkiFor('P-256');
const p384 = pkiFor('P-384');

type Method = 'xauth-rsa' | 'certificate' | 'hybrid';
type Exchange = 'main' | 'aggressive';

const clientProfile = (authMethod: Method, exchange: Exchange = 'main', files: TestPki = pki) => ({
  exchange,
  authMethod,
  caFile: files.lab.caCert,
  ...(authMethod === 'hybrid'
    ? {}
    : { certificateFile: files.clientCert, privateKeyFile: files.clientKey }),
});

/** The lab gateway for a method: its certificate and key, and the CA it takes ours from. */
const labFor = (auth: Method, exchange: Exchange, files: TestPki = pki): LabOptions => ({
  exchange,
  auth,
  pki: files.lab,
});

/** How the gateway names us, and the method's name in our IKE SA event. */
interface Expected {
  remoteId: string;
  label: string;
}

async function connectsAndPings(
  suite: ReturnType<typeof suiteLab>,
  profile: { authMethod: Method },
  expected: Expected,
  // the group key file is there but a certificate method never reads it: a wrong one is harmless
  start: () => CliRun = () => suite.connect(profile, 'not-used-by-certificates'),
): Promise<void> {
  // the gateway's log is the lab's, shared with the tests before this one: only what it logs
  // from this connect on may answer for this connect
  const logFrom = suite.lab.gatewayLog().length;
  const cli = start();
  const xauth = profile.authMethod !== 'certificate';
  try {
    const connected = await cli.waitFor(isConnected, 20_000, 'connected');
    const [sa] = await suite.lab.waitForSas(
      (sas) =>
        sas.some(
          (s) => s.state === 'ESTABLISHED' && s.childSas.some((c) => c.state === 'INSTALLED'),
        ),
      5_000,
    );
    assert.ok(sa);
    assert.equal(sa.remoteId, expected.remoteId);
    if (xauth) assert.equal(sa.remoteXauthId, 'alice', 'XAuth followed the certificate exchange');
    else assert.ok(!sa.remoteXauthId, 'no XAuth round');
    assert.equal(
      cli.events.some((e) => e.type === 'state' && e.state === 'xauth'),
      xauth,
    );
    assert.deepEqual(sa.remoteVips, [connected.virtualIp], 'Mode Config');
    const ike = cli.events.find((e) => e.type === 'sa' && e.kind === 'ike');
    assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
    assert.equal(ike.authMethod, expected.label);
    const logs = cli.events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
    assert.ok(
      logs.some((m) => /the gateway proved it is .*CN=gw\.lab\.example/.test(m)),
      'the client checked the gateway certificate',
    );
    assert.ok(
      !cli.events.some((e) => e.type === 'warning' && e.code === 'group-psk-shared'),
      'no group key warning without a group key',
    );
    assert.match(
      suite.lab.gatewayLog().slice(logFrom),
      // "unknown ca" in hybrid mode, where the gateway loads no CA for clients
      /received cert request for (unknown ca )?'O=Roadwarrior lab, CN=Lab CA'/,
      'our CR names the lab CA, and strongSwan reads the name',
    );
    await pingFromClient(suite.lab, 3);
    const [after] = await suite.lab.listSas();
    assert.ok((after?.childSas[0]?.packetsIn ?? 0) >= 3, 'ESP reached the gateway');
  } finally {
    await cli.stop();
  }
  await suite.lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after disconnect');
}

for (const [auth, exchange, files, expected] of [
  ['xauth-rsa', 'main', pki, { remoteId: LAB_CLIENT_EMAIL, label: 'XAUTH-RSA' }],
  ['hybrid', 'main', pki, { remoteId: 'labgroup', label: 'HYBRID-RSA' }],
  ['xauth-rsa', 'aggressive', pki, { remoteId: LAB_CLIENT_EMAIL, label: 'XAUTH-RSA' }],
  ['hybrid', 'aggressive', pki, { remoteId: 'labgroup', label: 'HYBRID-RSA' }],
  // RFC 4754: the client's EC key picks ECDSA-256 / ECDSA-384; strongSwan takes them only
  // without XAuth and signs with its EC key, HASH_I and HASH_R by the method's SHA-2
  ['certificate', 'main', p256, { remoteId: LAB_CLIENT_EMAIL, label: 'ECDSA-256' }],
  ['certificate', 'aggressive', p384, { remoteId: LAB_CLIENT_EMAIL, label: 'ECDSA-384' }],
  ['certificate', 'main', pki, { remoteId: LAB_CLIENT_EMAIL, label: 'RSA-SIG' }],
] as const) {
  describe(
    `${expected.label} in ${exchange} mode with strongSwan`,
    { skip: skip !== undefined },
    () => {
      const suite = suiteLab(IN_PROCESS, labFor(auth, exchange, files));
      test(`${auth}: ${exchange === 'main' ? 'messages 5 and 6' : 'messages 2 and 3'} prove both sides${auth === 'certificate' ? ', no XAuth' : ', then XAuth'}, Mode Config, Quick Mode: a ping goes through`, () =>
        connectsAndPings(suite, clientProfile(auth, exchange, files), expected));
    },
  );
}

for (const [keys, files, auth] of [
  ['RSA', pki, 'xauth-rsa'],
  ['EC', p256, 'certificate'],
] as const) {
  describe(`an ${keys} gateway certificate from another CA`, { skip: skip !== undefined }, () => {
    // strongSwan would accept alice's certificate (the lab CA); its own is the other CA's
    const suite = suiteLab(IN_PROCESS, {
      ...labFor(auth, 'main', files),
      pki: { ...files.rogue, caCert: files.lab.caCert },
    });
    test('gateway-cert-untrusted, its diagnosis, no tunnel', async () => {
      const cli = suite.connect(clientProfile(auth, 'main', files));
      try {
        const error = await cli.waitFor(isError, 20_000, 'error');
        assert.equal(error.code, 'gateway-cert-untrusted', error.message);
        assert.match(error.message, /Other CA/);
        assert.equal((await cli.exit).code, 1);
        const diagnosis = cli.events.filter((e) => e.type === 'diagnosis').at(-1);
        assert.equal(diagnosis?.type === 'diagnosis' && diagnosis.code, 'gateway-cert-untrusted');
        assert.ok(!cli.events.some(isConnected), 'never connected');
        assert.ok(!cli.stderr().includes('    at '), 'no stack trace');
      } finally {
        await cli.stop();
      }
    });
  });
}

const withCrl = (crlFile: string) => ({ ...clientProfile('hybrid'), crlFile });

describe("a CRL file that lists the gateway's certificate", { skip: skip !== undefined }, () => {
  // its own gateway: the refused one keeps its half-made IKE SA until its XAuth times out
  const suite = suiteLab(IN_PROCESS, labFor('hybrid', 'main'));
  test('gateway-cert-revoked, its diagnosis, no tunnel', async () => {
    const crlFile = makeCrl(pki, join(pki.dir, 'gateway-revoked.crl'), {
      revoked: [pki.lab.gatewayCert],
    });
    const cli = suite.connect(withCrl(crlFile), 'not-used-by-certificates');
    try {
      const error = await cli.waitFor(isError, 20_000, 'error');
      assert.equal(error.code, 'gateway-cert-revoked', error.message);
      assert.match(error.message, /gw\.lab\.example, serial .* was revoked by .*Lab CA/);
      assert.equal((await cli.exit).code, 1);
      const diagnosis = cli.events.filter((e) => e.type === 'diagnosis').at(-1);
      assert.equal(diagnosis?.type === 'diagnosis' && diagnosis.code, 'gateway-cert-revoked');
      assert.ok(!cli.events.some(isConnected), 'never connected');
    } finally {
      await cli.stop();
    }
  });
});

describe(
  "a CRL file with a current CRL that does not list the gateway's certificate",
  { skip: skip !== undefined },
  () => {
    const suite = suiteLab(IN_PROCESS, labFor('hybrid', 'main'));
    test('hybrid in main mode: a ping goes through, no revocation warning', async () => {
      const crlFile = makeCrl(pki, join(pki.dir, 'client-revoked.crl'), {
        revoked: [pki.clientCert],
      });
      let run: CliRun | undefined;
      await connectsAndPings(
        suite,
        withCrl(crlFile),
        { remoteId: 'labgroup', label: 'HYBRID-RSA' },
        () => (run = suite.connect(withCrl(crlFile), 'not-used-by-certificates')),
      );
      assert.ok(run);
      assert.ok(!run.events.some((e) => e.type === 'warning' && e.code === 'revocation-unchecked'));
    });
  },
);

describe(
  'a client certificate from an intermediate CA, the gateway holding only the root',
  { skip: skip !== undefined },
  () => {
    const suite = suiteLab(IN_PROCESS, labFor('xauth-rsa', 'main'));
    const withCertificate = (certificateFile: string) => ({
      ...clientProfile('xauth-rsa'),
      certificateFile,
      privateKeyFile: pki.viaIntermediate.key,
    });

    // first: once strongSwan has seen the intermediate it keeps it in its certificate cache and
    // builds the path from there, whatever we send
    test('the file holds our certificate alone: strongSwan cannot build the path, client-cert-rejected', async () => {
      const cli = suite.connect(
        withCertificate(pki.viaIntermediate.cert),
        'not-used-by-certificates',
      );
      try {
        const error = await cli.waitFor(isError, 60_000, 'error');
        assert.equal(error.code, 'client-cert-rejected', error.message);
        assert.ok(!cli.events.some(isConnected), 'never connected');
      } finally {
        await cli.stop();
      }
    });

    test('the file holds the intermediate: we send it after our certificate, and a ping goes through', () =>
      connectsAndPings(suite, withCertificate(pki.viaIntermediate.chain), {
        remoteId: LAB_CLIENT_EMAIL,
        label: 'XAUTH-RSA',
      }));
  },
);

describe(
  'xauth-rsa with a PKCS#12 file (certificate and key in one) with strongSwan',
  {
    skip: skip !== undefined,
  },
  () => {
    const passphrase = 'alice-p12-passphrase';
    const p12 = exportClientPkcs12(pki, join(pki.dir, 'alice.p12'), passphrase);
    const suite = suiteLab(IN_PROCESS, labFor('xauth-rsa', 'main'));
    const profile = {
      exchange: 'main',
      authMethod: 'xauth-rsa',
      caFile: pki.lab.caCert,
      certificateFile: p12,
    } as const;
    const made: ReturnType<typeof clientFiles>[] = [];
    after(() => made.forEach((files) => files.remove()));
    /** connect with the passphrase in a --key-passphrase-file */
    const connectWith = (given: string): CliRun => {
      const files = clientFiles(
        { gateway: suite.lab.gatewayAddress, ...profile },
        'not-used-by-certificates',
        LAB_DEFAULTS.users[0]!.password,
      );
      made.push(files);
      const passphraseFile = join(files.dir, 'key-passphrase');
      writeFileSync(passphraseFile, `${given}\n`, { mode: 0o600 });
      return connectCli(suite.lab, files, ['--key-passphrase-file', passphraseFile], suite.via);
    };

    test('the key and certificate from the .p12: main mode, XAuth, Mode Config, a ping goes through', () =>
      connectsAndPings(suite, profile, { remoteId: LAB_CLIENT_EMAIL, label: 'XAUTH-RSA' }, () =>
        connectWith(passphrase),
      ));

    test('a wrong passphrase: certificate-unusable naming it, nothing sent, no tunnel', async () => {
      const cli = connectWith('not-the-passphrase');
      try {
        const error = await cli.waitFor(isError, 20_000, 'error');
        assert.equal(error.code, 'certificate-unusable', error.message);
        assert.match(error.message, /passphrase does not open the PKCS#12 file .*alice\.p12/);
        assert.equal((await cli.exit).code, 1);
        const diagnosis = cli.events.filter((e) => e.type === 'diagnosis').at(-1);
        assert.equal(diagnosis?.type === 'diagnosis' && diagnosis.code, 'certificate-unusable');
        assert.ok(!cli.stderr().includes('not-the-passphrase'), 'the passphrase is not printed');
        assert.ok(!cli.stderr().includes('    at '), 'no stack trace');
        assert.deepEqual(await suite.lab.listSas(), [], 'the gateway saw no IKE SA');
      } finally {
        await cli.stop();
      }
    });
  },
);

reportSkippedSuite('certificate authentication with strongSwan', skip);
