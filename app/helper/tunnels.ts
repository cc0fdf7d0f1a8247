// Every open tunnel of the helper with its owner, so one client can never reach another's, and
// the machine-wide limits: a few tunnels per user, and one tunnel at a time owning routes.
import type { IkeChannel } from '../shared/dataplane-port.js';

/** open tunnels (and openings under way) one uid may have at once */
export const MAX_TUNNELS_PER_USER = 4;

export interface Tunnel {
  readonly id: number;
  readonly ownerUid: number;
  /** the connection that opened it: only that connection may control it */
  readonly owner: object;
  readonly channel: IkeChannel;
  /** the gateway its IKE leg was opened to: the network set-up must name the same */
  readonly gateway: string;
  /** the TUN name while the network is configured (or being configured) */
  tunName: string | undefined;
  /** while its network set-up changes routes (any script but 'none') */
  ownsRoutes: boolean;
  /** requests still running on the channel: close waits for them (bounded) */
  readonly inflight: Set<Promise<unknown>>;
  /** set once its connection closes it: resolves when its network is undone and it is gone */
  closing: Promise<void> | undefined;
}

export class TunnelRegistry {
  private nextId = 1;
  private readonly tunnels = new Map<number, Tunnel>();
  private readonly opening = new Map<number, number>();

  /** Counts an opening against `uid`'s limit before it awaits anything; false when the limit
   * is reached. Each successful call is matched by one endOpening(). */
  beginOpening(uid: number): boolean {
    const open = [...this.tunnels.values()].filter((tunnel) => tunnel.ownerUid === uid).length;
    const opening = this.opening.get(uid) ?? 0;
    if (open + opening >= MAX_TUNNELS_PER_USER) return false;
    this.opening.set(uid, opening + 1);
    return true;
  }

  endOpening(uid: number): void {
    const left = (this.opening.get(uid) ?? 1) - 1;
    if (left > 0) this.opening.set(uid, left);
    else this.opening.delete(uid);
  }

  add(ownerUid: number, owner: object, channel: IkeChannel, gateway: string): Tunnel {
    const tunnel: Tunnel = {
      id: this.nextId++,
      ownerUid,
      owner,
      channel,
      gateway,
      tunName: undefined,
      ownsRoutes: false,
      inflight: new Set(),
      closing: undefined,
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

  /** the tunnel other than `except` whose network set-up owns routes */
  owningRoutes(except: Tunnel): Tunnel | undefined {
    for (const tunnel of this.tunnels.values()) {
      if (tunnel !== except && tunnel.ownsRoutes) return tunnel;
    }
    return undefined;
  }
}
