// `npm run demo`: the desktop UI against the lab, in a browser on this machine.
//
// Where things run: the browser is on the host, so the web host (the one `roadwarrior ui`
// uses, with the same VpnService and the real engine) listens on the host's 127.0.0.1, in this
// process. Everything that touches the network runs where the client's network is: the
// privileged helper (`roadwarrior helper`) in the lab's client namespace owns the IKE and ESP
// sockets, the TUN device and the routes, and this process's engine reaches it over the
// helper's Unix socket (a file, which namespaces do not separate). That is the product's own
// split (unprivileged app, root helper), so nothing here is a demo-only path.
import { type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import packageJson from '../package.json' with { type: 'json' };
import { uiBuildState } from '../app/cli/ui-build.js';
import { connect } from '../app/engine/index.js';
import { createDataPlaneFor } from '../app/main/data-plane-choice.js';
import { createDesktopService } from '../app/main/service/create-service.js';
import { MemoryCredentialStore } from '../app/main/service/credential-store.js';
import { ProfileStore } from '../app/main/service/profile-store.js';
import type { VpnService } from '../app/main/service/vpn-service.js';
import { DEFAULT_STATIC_DIR, runUiCommand } from '../app/main/webhost/ui-command.js';
import { Secret } from '../app/shared/secret.js';
import { type Lab, LAB_ADDRESSES, LAB_DEFAULTS } from '../test/lab/index.js';
import { buildRenderer } from '../test/e2e/support/build-renderer.js';
import { startHelper } from '../test/support/interop.js';
import type { DemoFailure, RunningDemo } from './demo-part.js';

/** the profile the demo puts in place */
export const DEMO_PROFILE = 'Demo lab';
const ELECTRON_BINARY = new URL('../node_modules/electron/dist/electron', import.meta.url);

export async function startDesktopDemo(lab: Lab, fail: DemoFailure): Promise<RunningDemo> {
  const renderer = await currentRendererBuild();
  const helper = await startHelper(lab);
  const user = LAB_DEFAULTS.users[0]!;
  const profileDir = join(lab.dir, 'profiles');
  await new ProfileStore(profileDir).save({
    name: DEMO_PROFILE,
    gateway: LAB_ADDRESSES.gateway,
    group: LAB_DEFAULTS.group,
    username: user.name,
  });
  // the demo's secrets, saved as the keychain would hold them: Connect asks for nothing
  const credentials = new MemoryCredentialStore();
  await credentials.set(DEMO_PROFILE, 'group-psk', Secret.fromString(LAB_DEFAULTS.groupPsk));
  await credentials.set(DEMO_PROFILE, 'xauth-password', Secret.fromString(user.password));
  const service = createDesktopService({
    connect,
    createDataPlane: createDataPlaneFor({ helperSocket: helper.socket, uid: process.getuid?.() }),
    profileDir,
    credentials,
    // the resolver is the host's, not the namespace's: leave it alone
    connectDefaults: { skipDns: true },
  });
  const pinger = pingWhileConnected(lab, service);

  console.log(
    `desktop UI: engine here, sockets, TUN and routes in the privileged helper in namespace ${lab.names.cli}`,
  );
  console.log(
    `profile "${DEMO_PROFILE}" is in place, its secrets saved: click Connect, accept the gateway's banner`,
  );
  // the gateway forbids saved passwords (Unity SAVE_PASSWD off): the UI asks on the next connect
  console.log(
    `(when asked: group key "${LAB_DEFAULTS.groupPsk}", ${user.name}'s password "${user.password}")`,
  );
  console.log(
    existsSync(ELECTRON_BINARY)
      ? 'Electron is installed here too: npm start opens the same UI in its own window'
      : "(Electron's binary is not installed here: the browser shows the desktop app's own UI)",
  );
  let release: () => void = () => undefined;
  const ui = runUiCommand({
    service,
    staticDir: renderer.dir,
    version: packageJson.version,
    write: (text) => process.stdout.write(text),
    until: new Promise<void>((resolve) => (release = resolve)),
  });
  ui.catch((error: Error) => fail(`the web UI stopped: ${error.message}`));
  return {
    stop: async () => {
      release();
      // the service disconnects first (DELETE to the gateway through the helper)
      await ui.catch(() => undefined);
      await pinger.stop();
      await helper.stop();
      renderer.remove();
    },
  };
}

/** dist/renderer when it is current (npm ci built it), else a scratch build: the demo runs as
 * root and must not leave root-owned files in the user's checkout. */
async function currentRendererBuild(): Promise<{ dir: string; remove(): void }> {
  if (uiBuildState(DEFAULT_STATIC_DIR).state === 'fresh')
    return { dir: DEFAULT_STATIC_DIR, remove: () => undefined };
  console.log('building the UI into a scratch directory (dist/renderer is missing or out of date)');
  const dir = await buildRenderer();
  return { dir, remove: () => rmSync(dirname(dir), { recursive: true, force: true }) };
}

/** While the service is connected, one ping a second to the LAN host through the tunnel, so
 * the counters move and the log shows traffic. */
function pingWhileConnected(lab: Lab, service: VpnService): { stop(): Promise<void> } {
  let ping: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const follow = () => {
    const connected = service.snapshot().engineState === 'connected';
    if (connected && !ping) {
      ping = lab.spawnInClient('ping', ['-n', '-q', '-i', '1', LAB_ADDRESSES.lanHost], {
        stdio: 'ignore',
      });
      const child = ping;
      exited = new Promise((resolve) => child.once('exit', () => resolve()));
      console.log(`connected: pinging ${LAB_ADDRESSES.lanHost} through the tunnel every second`);
    } else if (!connected && ping) {
      ping.kill('SIGINT');
      ping = undefined;
      console.log('disconnected: ping stopped');
    }
  };
  const off = service.on(follow);
  return {
    // resolves once the last ping has exited (and been reaped)
    stop: () => {
      off();
      ping?.kill('SIGINT');
      return exited;
    },
  };
}
