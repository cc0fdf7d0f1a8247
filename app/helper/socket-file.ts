// The helper's listening socket on disk. Anyone may connect (mode 0666): who may do what is
// decided per connection from SO_PEERCRED, so refusals are answered and logged. The directory
// must be ours and not writable by others, so nobody can replace the socket with their own.
import { type Server, connect } from 'node:net';
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

const SOCKET_MODE = 0o666;
const DIRECTORY_MODE = 0o755;

/** Listens on `path`, replacing a socket a dead previous run left behind. */
export async function listenOnPath(server: Server, path: string): Promise<void> {
  await prepareDirectory(dirname(path));
  await removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, SOCKET_MODE);
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

async function prepareDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIRECTORY_MODE });
  const stats = await stat(dir);
  const uid = process.geteuid?.() ?? 0;
  if (stats.uid !== uid || (stats.mode & 0o022) !== 0) {
    throw new Error(
      `socket directory ${dir} must be owned by uid ${uid} and not writable by group or others`,
    );
  }
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
