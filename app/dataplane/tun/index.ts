// TUN devices for the data plane: openTun() picks the platform's implementation.
export { PlatformNotSupportedError, TunError, type TunErrorCode } from './errors.js';
export { openTun } from './open-tun.js';
export type { PacketSlab, TunDevice, TunOptions, TunStats } from './tun-device.js';
