// Loads the compiled Node-API addon (native/tun.cc) and types what it exports.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { TunError } from './errors.js';
import type { TunDevice } from './tun-device.js';

const TUN_ADDON_PATH = fileURLToPath(new URL('./native/build/Release/tun.node', import.meta.url));
const NOT_BUILT =
  'the TUN addon is not built: run npm ci / npx node-gyp rebuild --directory app/dataplane/tun/native';

/** The addon's device: what LinuxTun passes through, plus the raw fd and the batch reader. */
export interface NativeTun extends Pick<
  TunDevice,
  'name' | 'write' | 'writeBatch' | 'stats' | 'ref' | 'unref' | 'close'
> {
  /** -1 once closed */
  readonly fd: number;
  /** packets of one batch arrive back to back in `slab`, their lengths in `lengths[0..count)` */
  start(
    onBatch: (slab: Buffer, count: number) => void,
    lengths: Uint32Array,
    onError: (error: NodeJS.ErrnoException) => void,
  ): void;
}

export interface TunAddon {
  /** opens /dev/net/tun and attaches it to the named interface; throws errno errors */
  Tun: new (name: string) => NativeTun;
  /** SIOCSIFMTU and IFF_UP */
  configureLink(name: string, mtu: number): void;
  /** most packets one readable event delivers */
  readonly batchLimit: number;
}

/** require() caches the module, so repeated calls are cheap. */
export function loadTunAddon(path = TUN_ADDON_PATH): TunAddon {
  try {
    return createRequire(import.meta.url)(path) as TunAddon;
  } catch (error) {
    throw new TunError('addon-not-built', NOT_BUILT, { cause: error });
  }
}
