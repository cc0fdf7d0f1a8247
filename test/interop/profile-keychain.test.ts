// An admin's .pcf to a connection with no secret file for the group key, against the real
// strongSwan head-end: `roadwarrior profile import` decodes enc_GroupPwd (a vector made by the
// test's own encoder) into a throwaway Secret Service (gnome-keyring on a private D-Bus, as the
// desktop tests use), the key lands in the keychain and in no file, `profile export
// --include-secrets` gives it back, and `connect --profile NAME` takes it from the keychain.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodePcfPassword } from '../../app/profiles/pcf-password.js';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS, startLab } from '../lab/index.js';
import { CLI_ENTRY, runCli } from '../support/cli-process.js';
import { interopSkipReason, reportSkippedSuite } from '../support/interop.js';
import {
  type KeyringSession,
  keyringToolsMissing,
  scratchHomeEnv,
  startKeyringSession,
} from '../support/keyring-session.js';
import { ciscoEncode } from '../profiles/cisco-encoder.js';

const skip = interopSkipReason() ?? keyringToolsMissing();
const USER = LAB_DEFAULTS.users[0]!;
const GROUP_KEY = LAB_DEFAULTS.groupPsk;

describe(
  'a .pcf with enc_GroupPwd: into the keychain, then connect',
  { skip: skip !== undefined },
  () => {
    let lab: Lab;
    let work: string;
    let keyring: KeyringSession;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      lab = await startLab();
      work = await mkdtemp(join(tmpdir(), 'rw-profile-keychain-'));
      keyring = await startKeyringSession(lab.spawnInClient, await scratchHomeEnv(work));
      env = { ...keyring.env, ROADWARRIOR_MANAGED_PROFILES: join(work, 'managed') };
    });

    after(async () => {
      await keyring?.stop();
      await lab?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    /** the CLI in the lab's client namespace, on the keyring's bus */
    async function cli(...args: string[]) {
      const run = await lab.execInClient(process.execPath, [CLI_ENTRY, ...args], {
        env,
        check: false,
      });
      return run;
    }

    test(
      'import: the decoded group key is in the keychain and in no file',
      { timeout: 60_000 },
      async () => {
        const pcf = join(work, 'Lab office.pcf');
        const encoded = ciscoEncode(GROUP_KEY, '5a5b5c5d5e5f60616263646566676869ff0001fe');
        await writeFile(
          pcf,
          [
            '[main]',
            'Description=Lab gateway',
            `!Host=${LAB_ADDRESSES.gateway}`,
            'AuthType=1',
            `!GroupName=${LAB_DEFAULTS.group}`,
            'GroupPwd=',
            `enc_GroupPwd=${encoded}`,
            `Username=${USER.name}`,
            'EnableNat=1',
            '',
          ].join('\r\n'),
          'latin1',
        );
        const run = await cli('profile', 'import', pcf, '--name', 'Lab');
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /the group key was saved in the keychain/);

        const lookup = await lab.execInClient(
          'secret-tool',
          ['lookup', 'service', 'Roadwarrior', 'account', 'Lab:group-psk'],
          { env, check: false },
        );
        assert.equal(lookup.code, 0, "an entry under the app's service and account");
        assert.ok(lookup.stdout.endsWith(GROUP_KEY), 'the entry holds the decoded key');

        const configDir = env.XDG_CONFIG_HOME ?? '';
        const files = (await readdir(configDir, { recursive: true, withFileTypes: true }))
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name));
        assert.ok(
          files.some((f) => f.endsWith('Lab.json')),
          files.join(', '),
        );
        for (const file of files) {
          const text = await readFile(file, 'latin1');
          assert.ok(!text.includes(GROUP_KEY) && !text.includes(encoded), `no key in ${file}`);
        }
        assert.ok(!run.stdout.includes(GROUP_KEY) && !run.stderr.includes(GROUP_KEY));
      },
    );

    test(
      'export --include-secrets: a reversible enc_GroupPwd, with the warning',
      { timeout: 60_000 },
      async () => {
        const run = await cli('profile', 'export', 'Lab', '--format', 'pcf', '--include-secrets');
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, /enc_GroupPwd: holds the group key: its encoding is reversible/);
        const encoded = /^enc_GroupPwd=([0-9A-F]+)\r$/m.exec(run.stdout)?.[1];
        assert.ok(encoded, run.stdout);
        assert.equal(decodePcfPassword(encoded), GROUP_KEY);
        assert.match(
          run.stdout,
          new RegExp(`^!Host=${LAB_ADDRESSES.gateway.replace(/\./g, '\\.')}\\r$`, 'm'),
        );
      },
    );

    test(
      'connect --profile Lab with no group key file: from the keychain, connected',
      { timeout: 90_000 },
      async () => {
        const password = join(work, 'password');
        await writeFile(password, `${USER.password}\n`, { mode: 0o600 });
        // human output: the gateway's own SA list is the judge of the connection
        const connect = runCli(
          ['connect', '--profile', 'Lab', '--password-file', password, '--no-dns'],
          {
            netns: lab.names.cli,
            env,
          },
        );
        try {
          const [sa] = await lab
            .waitForSas(
              (sas) => sas.some((sa) => sa.childSas.some((c) => c.state === 'INSTALLED')),
              30_000,
              "the CLI's connection on the gateway",
            )
            .catch((error: Error) => {
              throw new Error(`${error.message}\nthe CLI said:\n${connect.stderr()}`);
            });
          assert.equal(sa?.remoteXauthId, USER.name);
          assert.match(connect.stderr(), /using the group key saved in the keychain for "Lab"/);
        } finally {
          await connect.stop();
        }
        assert.ok(!connect.stderr().includes(GROUP_KEY));
      },
    );
  },
);

reportSkippedSuite('the .pcf keychain interop ran', skip);
