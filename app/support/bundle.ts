// The support bundle: one .tar.gz a help desk can read, of what this machine knows about its
// tunnels. Every part is secret-free by construction: logs hold engine events only, profiles
// are parsed through the profile schema (which has no secret field), sessions and diagnoses are
// engine events, and the IKE captures were redacted by the engine's tap before they were
// written.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Profile, ProfileSchema } from '../shared/profile.js';
import { type ArchiveEntry, tarGz } from './tar.js';
import type { Versions } from './versions.js';

export interface BundleInput {
  /** the desktop service's rotating log (roadwarrior.log, .1, ...) */
  logDir: string;
  /** the IKE captures (capture-file.ts) */
  captureDir: string;
  profiles: readonly Profile[];
  /** the last SA details and counters of each tunnel (status's session records, the service's
   * snapshot) */
  sessions: readonly unknown[];
  /** the current diagnosis of each tunnel that has one */
  diagnoses: readonly unknown[];
  versions: Versions;
}

export const BUNDLE_ROOT = 'roadwarrior-support';

/** roadwarrior-support-<UTC time>.tar.gz */
export const bundleFileName = (now = new Date()): string =>
  `${BUNDLE_ROOT}-${now.toISOString().replace(/[:.]/g, '-')}.tar.gz`;

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

function filesIn(dir: string, keep: (name: string) => boolean): { name: string; data: Buffer }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter(keep).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      return [{ name, data: readFileSync(join(dir, name)) }];
    } catch {
      return []; // rotated away while we read
    }
  });
}

export function supportBundle(input: BundleInput): Buffer {
  const entry = (name: string, data: Buffer): ArchiveEntry => ({
    name: `${BUNDLE_ROOT}/${name}`,
    data,
  });
  const logs = filesIn(input.logDir, (name) => name.startsWith('roadwarrior.log'));
  const captures = filesIn(input.captureDir, (name) => name.endsWith('.pcap'));
  const profiles = input.profiles.map((profile) => ProfileSchema.parse(profile));
  const contents = [
    'versions.json: roadwarrior, Node, OpenSSL, kernel, strongSwan',
    'diagnosis.json: the current diagnosis of each tunnel',
    'sessions.json: the last SA details and counters of each tunnel',
    'profiles.json: the profiles (they hold no secret)',
    'logs/: the recent log, newest in roadwarrior.log',
    'captures/: the last IKE messages of each profile, decrypted, secrets zero-filled (pcap)',
  ];
  return tarGz([
    entry('README.txt', Buffer.from(`${contents.join('\n')}\n`)),
    entry('versions.json', json(input.versions)),
    entry('diagnosis.json', json(input.diagnoses)),
    entry('sessions.json', json(input.sessions)),
    entry('profiles.json', json(profiles)),
    ...logs.map((file) => entry(`logs/${file.name}`, file.data)),
    ...captures.map((file) => entry(`captures/${file.name}`, file.data)),
  ]);
}
