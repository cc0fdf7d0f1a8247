// `roadwarrior support-bundle`: one archive for the help desk (app/support/bundle.ts) from what
// this user's processes left: the desktop service's log, the IKE captures `connect` and the
// service keep, the running tunnels' session records and each profile's last one, the
// profiles, and versions.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { stateDirectory } from '../main/service/log-file.js';
import { bundleFileName, supportBundle } from '../support/bundle.js';
import { captureDirectory } from '../support/capture-file.js';
import { lastSessionDirectory, readLastSessions } from '../support/last-session.js';
import { collectVersions } from '../support/versions.js';
import type { Profile } from '../shared/profile.js';
import { SessionRecordSchema, readSessions, sessionDir } from './session-file.js';
import { CommandFailure, type Subcommand } from './subcommand.js';

export const SUPPORT_BUNDLE_USAGE = `usage: roadwarrior support-bundle [--out FILE]

  one .tar.gz for the help desk: recent logs, the profiles (no secrets), the last SA details
  and counters, versions, the current diagnosis, and the last IKE messages of each profile
  as a pcap, decrypted, with the password, key exchange data and hashes zero-filled
  --out FILE   where to write it (default: roadwarrior-support-<time>.tar.gz here)`;

export const SUPPORT_BUNDLE_OPTIONS = {
  out: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export const SUPPORT_BUNDLE: Subcommand = {
  usage: SUPPORT_BUNDLE_USAGE,
  run: supportBundleCommand,
};

async function storedProfiles(): Promise<Profile[]> {
  const { profileDirectory } = await import('./profile-source.js');
  const { ProfileStore } = await import('../main/service/profile-store.js');
  const { ManagedProfiles, managedProfileDirectory } = await import('../profiles/managed.js');
  const store = new ProfileStore(
    profileDirectory(),
    new ManagedProfiles(managedProfileDirectory()),
  );
  return (await store.list()).profiles;
}

async function supportBundleCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: SUPPORT_BUNDLE_OPTIONS, strict: true });
  // the running tunnels, then the last record of each profile's ended one
  const sessions = [
    ...readSessions(sessionDir()).map((record) => ({ running: true, ...record })),
    ...readLastSessions(lastSessionDirectory()).flatMap((record) => {
      const parsed = SessionRecordSchema.safeParse(record);
      return parsed.success ? [{ running: false, ...parsed.data }] : [];
    }),
  ];
  const archive = supportBundle({
    logDir: join(stateDirectory(), 'logs'),
    captureDir: captureDirectory(),
    profiles: await storedProfiles(),
    sessions,
    diagnoses: sessions.flatMap((s) =>
      s.diagnosis ? [{ profile: s.profile, running: s.running, ...s.diagnosis }] : [],
    ),
    versions: await collectVersions(),
  });
  const out = values.out ?? bundleFileName();
  try {
    writeFileSync(out, archive, { mode: 0o600 });
  } catch (error) {
    throw new CommandFailure(
      `cannot write ${out} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  process.stdout.write(`${out}\n`);
  return 0;
}
