// Every open tunnel of the helper with its owner, so one client can never reach another's.
import type { IkeChannel } from '../shared/dataplane-port.js';

export interface Tunnel {
  readonly id: number;
  readonly ownerUid: number;
  /** the connection that opened it: only that connection may control it */
  readonly owner: object;
  readonly channel: IkeChannel;
  /** the TUN name while the network is configured */
  tunName: string | undefined;
  /** requests still running on the channel: close waits for them (bounded) */
  readonly inflight: Set<Promise<unknown>>;
}

export class TunnelRegistry {
  private nextId = 1;
  private readonly tunnels = new Map<number, Tunnel>();

  add(ownerUid: number, owner: object, channel: IkeChannel): Tunnel {
    const tunnel: Tunnel = {
      id: this.nextId++,
      ownerUid,
      owner,
      channel,
      tunName: undefined,
      inflight: new Set(),
    };
    this.tunnels.set(tunnel.id, tunnel);
    return tunnel;
  }

  get(id: number): Tunnel | undefined {
    return this.tunnels.get(id);
  }

  remove(id: number): void {
    this.tunnels.delete(id);
  }

  /** the tunnel other than `except` whose network uses this TUN name */
  usingTunName(name: string, except: Tunnel): Tunnel | undefined {
    for (const tunnel of this.tunnels.values()) {
      if (tunnel !== except && tunnel.tunName === name) return tunnel;
    }
    return undefined;
  }
}
