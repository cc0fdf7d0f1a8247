// A throwaway Secret Service for tests: gnome-keyring, unlocked, on a private D-Bus session
// (dbus-run-session), with HOME and the XDG directories inside a scratch directory so that
// nothing reaches the keyring of whoever runs the tests.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const TOOLS = ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool'];

/** Why no Secret Service can be started here, or undefined. */
export function keyringToolsMissing(): string | undefined {
  const missing = TOOLS.filter(
    (tool) => !['/usr/bin', '/bin', '/usr/local/bin'].some((dir) => existsSync(`${dir}/${tool}`)),
  );
  return missing.length
    ? `missing ${missing.join(', ')} (apt-get install dbus gnome-keyring libsecret-tools)`
    : undefined;
}

/** `base` with HOME and the XDG directories in `dir` (created): gnome-keyring keeps its keyring
 * files under XDG_DATA_HOME and its control socket under XDG_RUNTIME_DIR. */
export async function scratchHomeEnv(
  dir: string,
  base: NodeJS.ProcessEnv = process.env,
): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...base,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_RUNTIME_DIR: join(dir, 'runtime'),
  };
  for (const key of ['HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'] as const)
    await mkdir(env[key] as string, { recursive: true });
  await mkdir(env.XDG_RUNTIME_DIR as string, { recursive: true, mode: 0o700 });
  return env;
}

/** Where gnome-keyring keeps the login keyring of a scratchHomeEnv() environment. */
export function loginKeyringFile(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_DATA_HOME ?? '', 'keyrings', 'login.keyring');
}

/** A `sh -c` script for inside `dbus-run-session`: an unlocked gnome-keyring on that bus, then
 * `body`; the daemon is killed by its PID when the script ends. */
export function inKeyringSession(body: string): string {
  return `
set -e
printf 'test-login-password' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT
for i in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then break; fi
  sleep 0.05
done
${body}
`;
}

export interface KeyringSession {
  /** the environment it was started with, plus its bus: what a client of the keyring needs */
  env: NodeJS.ProcessEnv;
  /** ends the session (the daemon, then the bus) and resolves when it is gone */
  stop(): Promise<void>;
}

/**
 * A keyring session that stays up until stop(): it prints its bus address and waits for its
 * stdin to close, so stopping needs no signal that dbus-run-session would not pass on.
 */
export function startKeyringSession(
  spawn: (
    command: string,
    args: readonly string[],
    options: { env: NodeJS.ProcessEnv; stdio: ['pipe', 'pipe', 'pipe'] },
  ) => ChildProcess,
  env: NodeJS.ProcessEnv,
  timeoutMs = 10_000,
): Promise<KeyringSession> {
  const script = inKeyringSession('echo "bus=$DBUS_SESSION_BUS_ADDRESS"\nread _ || true');
  const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    child.stdin?.end();
    await exited;
  };
  let output = '';
  let started = false;
  return new Promise<KeyringSession>((resolve, reject) => {
    const fail = (why: string) => {
      if (started) return;
      clearTimeout(timer);
      void stop();
      reject(new Error(`the keyring session ${why}; it printed:\n${output}`));
    };
    const timer = setTimeout(() => fail(`gave no bus address within ${timeoutMs} ms`), timeoutMs);
    const collect = (chunk: string) => {
      output += chunk;
      const bus = /^bus=(\S+)$/m.exec(output)?.[1];
      if (started || bus === undefined) return;
      started = true;
      clearTimeout(timer);
      resolve({ env: { ...env, DBUS_SESSION_BUS_ADDRESS: bus }, stop });
    };
    child.stdout?.setEncoding('utf8').on('data', collect);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    void exited.then(() => fail('ended before giving its bus address'));
  });
}
