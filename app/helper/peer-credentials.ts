// Who is at the other end of an accepted Unix-socket connection: SO_PEERCRED (socket(7)),
// read by the small Node-API addon in ./native because Node has no API for it.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

export const ADDON_BUILD_COMMAND = 'npx node-gyp rebuild --directory app/helper/native';
const ADDON_PATH = './native/build/Release/peer_credentials.node';

interface PeerCredentialsAddon {
  peerCredentials(fd: number): PeerCredentials;
}

/** Loads the addon (throws with the build command when it is missing) and returns the lookup. */
export function loadPeerCredentials(): (socket: Socket) => PeerCredentials {
  let addon: PeerCredentialsAddon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as PeerCredentialsAddon;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`peer-credential addon is not built (run: ${ADDON_BUILD_COMMAND}): ${reason}`, {
      cause: error,
    });
  }
  return (socket) => {
    // net.Socket exposes its descriptor only through the libuv handle
    const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) throw new Error('connection has no file descriptor');
    return addon.peerCredentials(fd);
  };
}
