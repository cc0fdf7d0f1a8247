// The privileged helper: owns the data plane (UDP sockets, TUN, ESP, network configuration)
// and serves it to unprivileged apps over a Unix socket, one tunnel per connection, each
// controllable only by the connection that opened it.
import { type Server, type Socket, createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CleanupReport } from '../dataplane/netconfig/index.js';
import type { DataPlanePort } from '../shared/dataplane-port.js';
import { HELPER_PROTOCOL_VERSION } from '../shared/helper-protocol.js';
import {
  type AccessRules,
  accessProblem,
  describeAccess,
  resolveAccess,
  socketOwnership,
} from './access.js';
import { type PeerCredentials, groupId, loadPeerCredentials } from './peer-credentials.js';
import { DEFAULT_SCRIPT_DIRS } from './policy.js';
import { RefusalLog } from './refusal-log.js';
import { ClientSession, type HelperLog, closeGracefully, errorFrame } from './session.js';
import { listenOnFd, listenOnPath, repairDirectory } from './socket-file.js';
import { TunnelRegistry } from './tunnels.js';

export type { HelperLog } from './session.js';

export interface HelperOptions {
  socketPath: string;
  dataPlane: DataPlanePort;
  /** where the data plane keeps its crash records; handed to cleanupStale */
  stateDir: string;
  log: HelperLog;
  /** who may open tunnels besides root (app/helper/access.ts) */
  access: AccessRules;
  /** admin-owned directories a vpnc-script may come from; DEFAULT_SCRIPT_DIRS otherwise */
  scriptDirs?: readonly string[];
  /** the data plane's undo of what a previous (crashed) run left configured */
  cleanupStale?: (
    stateDir: string,
    options: { scriptDirs: readonly string[] },
  ) => Promise<CleanupReport>;
  /** an already-bound listening socket (systemd socket activation) instead of socketPath */
  listenFd?: number;
  /** told whenever a client connects or goes away (idle exit) */
  onConnectionsChanged?: (count: number) => void;
}

export interface HelperServer {
  readonly socketPath: string;
  /** Disconnects every client (closing their tunnels) and stops listening. */
  close(): Promise<void>;
}

export async function startHelper(options: HelperOptions): Promise<HelperServer> {
  const { log } = options;
  const peerCredentials = loadPeerCredentials();
  const access = resolveAccess(options.access, groupId);
  const scriptDirs = options.scriptDirs ?? DEFAULT_SCRIPT_DIRS;
  if (options.cleanupStale) {
    const { cleanupStale } = options;
    await cleanUp(() => cleanupStale(options.stateDir, { scriptDirs }), log);
  }
  const refusals = new RefusalLog(log);
  const context = {
    dataPlane: options.dataPlane,
    tunnels: new TunnelRegistry(),
    scriptDirs,
    log,
    refusals,
  };
  const sessions = new Set<ClientSession>();
  const changed = () => options.onConnectionsChanged?.(sessions.size);

  const accept = (socket: Socket): void => {
    let peer: PeerCredentials;
    try {
      peer = peerCredentials(socket);
    } catch (error) {
      log('error', `cannot identify a connecting client: ${(error as Error).message}`);
      socket.destroy();
      return;
    }
    const refused = accessProblem(access, peer);
    if (refused !== undefined) {
      refusals.refused(
        peer.uid,
        `refused connection from uid ${peer.uid} (pid ${peer.pid}): ${refused}`,
      );
      socket.on('error', () => undefined).write(errorFrame(null, 'forbidden', refused));
      closeGracefully(socket);
      return;
    }
    log('debug', `uid ${peer.uid} (pid ${peer.pid}) connected`);
    const session = new ClientSession(socket, peer, context);
    sessions.add(session);
    changed();
    void session.closed.then(() => {
      sessions.delete(session);
      changed();
    });
  };

  const server = createServer(accept);
  if (options.listenFd === undefined) {
    await listenOnPath(server, options.socketPath, socketOwnership(access));
  } else {
    await listenOnFd(server, options.listenFd);
    // the service manager made the directory, but a root run of the CLI may have narrowed it
    await repairDirectory(dirname(options.socketPath)).catch((error: Error) =>
      log('warn', `cannot check the socket's directory: ${error.message}`),
    );
  }
  log(
    'info',
    `helper listening on ${options.socketPath} (protocol version ${HELPER_PROTOCOL_VERSION}); ${describeAccess(access)}`,
  );
  return {
    socketPath: options.socketPath,
    close: async () => {
      const stopped = closeServer(server);
      for (const session of sessions) session.disconnect();
      await Promise.all([...sessions].map((session) => session.closed));
      await stopped;
      // an inherited socket belongs to the service manager
      if (options.listenFd === undefined) await rm(options.socketPath, { force: true });
    },
  };
}

async function cleanUp(cleanupStale: () => Promise<CleanupReport>, log: HelperLog): Promise<void> {
  try {
    const report = await cleanupStale();
    for (const path of report.restored) log('info', `restored what a previous run left: ${path}`);
    for (const path of report.skipped) log('info', `left alone (its process still runs): ${path}`);
    for (const path of report.elsewhere)
      log('info', `left alone (made in another network namespace): ${path}`);
    for (const problem of report.failed) log('warn', `could not clean up: ${problem}`);
  } catch (error) {
    log('error', `cleaning up a previous run failed: ${(error as Error).message}`);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
