// The helper's listening socket on disk, with the mode and group the access rules call for
// (0660 root:roadwarrior by default; app/helper/access.ts), checked again per connection from
// SO_PEERCRED so refusals are answered and logged. The directory must be ours and not writable
// by others, so nobody can replace the socket with their own, and searchable by everyone, so
// the socket's own mode is what decides.
import { type Server, connect } from 'node:net';
import { chmod, chown, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

const DIRECTORY_MODE = 0o755;

/** Listens on `path`, replacing a socket a dead previous run left behind. */
export async function listenOnPath(
  server: Server,
  path: string,
  ownership: { mode: number; gid?: number },
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: DIRECTORY_MODE });
  await repairDirectory(dirname(path));
  await removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (ownership.gid !== undefined) await chown(path, process.geteuid?.() ?? 0, ownership.gid);
  await chmod(path, ownership.mode);
}

/** Listens on a socket the service manager already bound (systemd socket activation). */
export function listenOnFd(server: Server, fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Checks that the socket's directory is ours and not writable by others, and makes it
 * searchable by everyone again: a root run of an older CLI left /run/roadwarrior at 0700, and
 * every user's connect then failed with EACCES whatever the socket's own mode. */
export async function repairDirectory(dir: string): Promise<void> {
  const stats = await stat(dir);
  const uid = process.geteuid?.() ?? 0;
  if (stats.uid !== uid || (stats.mode & 0o022) !== 0) {
    throw new Error(
      `socket directory ${dir} must be owned by uid ${uid} and not writable by group or others`,
    );
  }
  if ((stats.mode & 0o777) !== DIRECTORY_MODE) await chmod(dir, DIRECTORY_MODE);
}

async function removeStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stats) return;
  if (!stats.isSocket()) throw new Error(`${path} exists and is not a socket`);
  if (await answers(path)) throw new Error(`another helper is already listening on ${path}`);
  await unlink(path);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve(false) : reject(error),
    );
  });
}
