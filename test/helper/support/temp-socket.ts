// A private directory for one test's helper socket, reachable by other users (0755) so tests
// can connect as `nobody`; removed afterwards.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempSocket {
  dir: string;
  socketPath: string;
  remove(): Promise<void>;
}

export async function tempSocket(): Promise<TempSocket> {
  const dir = await mkdtemp(join(tmpdir(), `rw-helper-${process.pid}-`));
  await chmod(dir, 0o755);
  return {
    dir,
    socketPath: join(dir, 'helper.sock'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `roadwarrior helper` arguments for this socket and state directory, plus `extra`. */
export function helperArgs(temp: TempSocket, ...extra: string[]): string[] {
  return ['--socket', temp.socketPath, '--state-dir', temp.dir, ...extra];
}
