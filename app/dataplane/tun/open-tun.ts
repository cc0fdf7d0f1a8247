// Picks the TUN implementation for the platform and checks the options first.
import { PlatformNotSupportedError, TunError } from './errors.js';
import { LinuxTun } from './linux-tun.js';
import type { TunDevice, TunOptions } from './tun-device.js';

/** IFNAMSIZ (16) includes the terminating NUL */
const MAX_NAME_BYTES = 15;
/** RFC 791 3.2: every IPv4 host must accept 68-byte datagrams */
const MIN_MTU = 68;
const MAX_MTU = 65535;

export function openTun(
  options: TunOptions,
  platform: NodeJS.Platform = process.platform,
): TunDevice {
  if (platform !== 'linux') throw new PlatformNotSupportedError(platform);
  checkOptions(options);
  return LinuxTun.open(options);
}

function checkOptions({ name, mtu }: TunOptions): void {
  if (
    Buffer.byteLength(name) > MAX_NAME_BYTES ||
    /[\s/:]/.test(name) ||
    name === '.' ||
    name === '..'
  ) {
    throw new TunError('invalid-options', `not a usable interface name: ${JSON.stringify(name)}`);
  }
  if (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU) {
    throw new TunError(
      'invalid-options',
      `MTU must be an integer in ${MIN_MTU}..${MAX_MTU}: ${mtu}`,
    );
  }
}
