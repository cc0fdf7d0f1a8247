// Shared set-up of the interop suites: a strongSwan lab, a profile file and secret files for
// the CLI, and a loud reason when the suite cannot run here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Lab } from '../lab/index.js';
import type { StateEvent } from '../../app/shared/events.js';
import { type CliRun, runCli } from './cli-process.js';

/** Why interop tests cannot run on this machine, or undefined. CI must never see a reason. */
export function interopSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'interop tests need root (network namespaces, TUN)';
  if (!existsSync('/usr/lib/ipsec/charon'))
    return 'strongSwan is not installed: run scripts/install-system-deps.sh';
  return undefined;
}

/** Skips loudly: the reason goes to stderr as well as into the test report. Under CI a skip
 * is a failure: the interop suites are the heart of the suite and must run there. */
export function skipLoudly(t: { skip(message: string): void }, reason: string): void {
  console.error(`\n*** INTEROP TEST SKIPPED: ${reason} ***\n`);
  if (process.env.CI) throw new Error(`interop tests cannot run in CI: ${reason}`);
  t.skip(reason);
}

export interface ClientFiles {
  dir: string;
  profile: string;
  psk: string;
  password: string;
  remove(): void;
}

export function clientFiles(
  profile: Record<string, unknown>,
  psk: string,
  password: string,
): ClientFiles {
  const dir = mkdtempSync(join(tmpdir(), 'rw-client-'));
  const files = {
    profile: join(dir, 'profile.json'),
    psk: join(dir, 'psk'),
    password: join(dir, 'password'),
  };
  writeFileSync(
    files.profile,
    JSON.stringify({
      name: 'lab',
      gateway: '198.51.100.1',
      group: 'labgroup',
      username: 'alice',
      ...profile,
    }),
  );
  writeFileSync(files.psk, `${psk}\n`, { mode: 0o600 });
  writeFileSync(files.password, `${password}\n`, { mode: 0o600 });
  return { dir, ...files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `roadwarrior connect` arguments for a client's files (demo, bench and tests share them). */
export function connectArgs(files: ClientFiles, extra: string[] = []): string[] {
  return [
    'connect',
    '--profile',
    files.profile,
    '--group-psk-file',
    files.psk,
    '--password-file',
    files.password,
    '--no-dns',
    ...extra,
  ];
}

export function connectCli(
  lab: Lab,
  files: ClientFiles,
  extra: string[] = [],
  asUser?: number,
): CliRun {
  return runCli(connectArgs(files, ['--json', '--log-level', 'debug', ...extra]), {
    netns: lab.names.cli,
    asUser,
  });
}

export const isConnected = (e: { type: string; state?: string }): e is StateEvent =>
  e.type === 'state' && e.state === 'connected';
