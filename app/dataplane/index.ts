// The data plane as the engine sees it: createInProcessDataPlane() when this process may own
// sockets, TUN and routes itself (CLI as root, CI, servers); the helper serves it otherwise.
import type { DataPlanePort } from '../shared/dataplane-port.js';
import { InProcessChannel } from './in-process-channel.js';
import { lockdownHolds } from './lockdown-holds.js';
import { type ConfiguratorOptions, cleanupStale } from './netconfig/index.js';

export function createInProcessDataPlane(options: ConfiguratorOptions = {}): DataPlanePort {
  return {
    openIke: (open) => InProcessChannel.open(open, options),
    holdLockdown: async (tunName) => ({ release: lockdownHolds.hold(tunName, options) }),
  };
}

export { cleanupStale };
