// Who is at the other end of an accepted Unix-socket connection: SO_PEERCRED and SO_PEERGROUPS
// (socket(7)), and group names to ids (getgrnam_r(3)), read by the small Node-API addon in
// ./native because Node has no API for them.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface PeerCredentials {
  pid: number;
  uid: number;
  /** effective gid at connect() time */
  gid: number;
  /** supplementary groups at connect() time */
  groups: readonly number[];
}

export const ADDON_BUILD_COMMAND = 'npx node-gyp rebuild --directory app/helper/native';
const ADDON_PATH = './native/build/Release/peer_credentials.node';

interface PeerCredentialsAddon {
  peerCredentials(fd: number): PeerCredentials;
  groupId(name: string): number | undefined;
}

function loadAddon(): PeerCredentialsAddon {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as PeerCredentialsAddon;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`peer-credential addon is not built (run: ${ADDON_BUILD_COMMAND}): ${reason}`, {
      cause: error,
    });
  }
}

/** Loads the addon (throws with the build command when it is missing) and returns the lookup. */
export function loadPeerCredentials(): (socket: Socket) => PeerCredentials {
  const addon = loadAddon();
  return (socket) => {
    // net.Socket exposes its descriptor only through the libuv handle
    const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) throw new Error('connection has no file descriptor');
    return addon.peerCredentials(fd);
  };
}

/** The gid of a group name (through NSS, as the kernel's users see it); undefined when there
 * is no such group. */
export function groupId(name: string): number | undefined {
  return loadAddon().groupId(name);
}
