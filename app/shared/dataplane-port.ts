// The narrow interface between the IKE engine and whatever owns sockets, TUN and ESP.
// Implemented in-process (app/dataplane, when already privileged) and by the helper client
// (app/helper, over a Unix socket). The engine holds only this interface.
import type { DataPlaneCounters } from './counters.js';
import type { EspSaPair } from './esp-sa.js';
import type { WarningCode } from './events.js';
import type { NetworkSetup } from './network-setup.js';

/** Which leg an IKE packet travels on: plain UDP to port 500, or the NAT-T port 4500 leg
 * where IKE carries the 4-byte non-ESP marker (RFC 3948 2.2) that the port strips/adds. */
export type IkeLeg = 'ike' | 'natt';

export interface OpenIkeOptions {
  gateway: string;
  /** gateway ports, 500 and 4500 unless overridden */
  gatewayPort?: number;
  gatewayNattPort?: number;
  /** local ports; 0 (default) = ephemeral, no privilege needed */
  localPort?: number;
  localNattPort?: number;
  /** the profile's lockdown: from now until close() (or, while a hold of this TUN name stands,
   * until the hold is released), traffic leaves only through this TUN or to this gateway's
   * IKE/NAT-T ports; a lockdown already standing is taken over with this gateway */
  lockdown?: { tunName: string };
}

export interface AppliedNetwork {
  tunName: string;
  mtu: number;
  /** human-readable list of what was changed, for the log */
  changes: string[];
  /** what the user must know: a full tunnel that could not be made tight (DNS, IPv6) */
  warnings?: { code: WarningCode; message: string }[];
}

export type DataPlaneEvent =
  | { type: 'counters'; counters: DataPlaneCounters }
  | { type: 'log'; level: 'error' | 'info' | 'debug' | 'trace'; message: string }
  | { type: 'failure'; code: string; message: string }
  /** an SA nears its sequence-number or kilobyte limit: the engine should rekey now */
  | { type: 'rekey-needed'; saId: string; reason: string }
  /** an SA reached its hard limit (sequence space used up, kilobyte lifetime) and sends no
   * more (RFC 4301 4.4.2.1): the engine deletes it and, if it was the current one, replaces it */
  | { type: 'sa-expired'; saId: string; reason: string };

export interface IkeChannel {
  readonly localAddress: string;
  readonly localPort: number;
  readonly localNattPort: number;
  /** send an IKE message; on 'natt' the non-ESP marker is prepended by the channel */
  send(packet: Buffer, leg: IkeLeg): void;
  /** IKE messages from the gateway (marker already stripped on 'natt') */
  onPacket(listener: (packet: Buffer, leg: IkeLeg) => void): void;
  onEvent(listener: (event: DataPlaneEvent) => void): void;
  /** NAT keepalive (RFC 3948 2.3: one 0xFF byte) on the natt leg when idle; 0 disables */
  setKeepalive(intervalSeconds: number): void;
  /** last time any ESP or IKE arrived from the gateway (ms since epoch): DPD liveness */
  lastInboundAt(): number;
  installSa(sa: EspSaPair): Promise<void>;
  removeSa(id: string): Promise<void>;
  configureNetwork(setup: NetworkSetup): Promise<AppliedNetwork>;
  /** undo everything configureNetwork did; safe to call twice */
  deconfigureNetwork(): Promise<void>;
  /** remove SAs, undo network, close sockets; safe to call twice */
  close(): Promise<void>;
}

/** A session's claim on its lockdown across channels (see DataPlanePort.holdLockdown). */
export interface LockdownHold {
  /** lifts the lockdown unless a channel still has it; safe to call twice */
  release(): Promise<void>;
}

export interface DataPlanePort {
  openIke(options: OpenIkeOptions): Promise<IkeChannel>;
  /** Keeps the lockdown that channels opened with `lockdown: { tunName }` set up standing
   * after they close, until release(): a reconnecting session never leaves a gap. Sets up
   * nothing itself. Data planes that cannot keep a table between channels leave it out. */
  holdLockdown?(tunName: string): Promise<LockdownHold>;
}
