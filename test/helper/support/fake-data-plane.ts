// A DataPlanePort that records what the helper asks of it, for tests: no sockets, no TUN.
import type {
  AppliedNetwork,
  DataPlaneEvent,
  DataPlanePort,
  IkeChannel,
  IkeLeg,
  OpenIkeOptions,
} from '../../../app/shared/dataplane-port.js';
import type { EspSaPair } from '../../../app/shared/esp-sa.js';
import type { NetworkSetup } from '../../../app/shared/network-setup.js';

export class FakeChannel implements IkeChannel {
  readonly localAddress = '192.0.2.10';
  readonly localPort: number;
  readonly localNattPort: number;
  readonly sent: { packet: Buffer; leg: IkeLeg }[] = [];
  readonly installed: EspSaPair[] = [];
  readonly removed: string[] = [];
  readonly configured: NetworkSetup[] = [];
  readonly keepalives: number[] = [];
  deconfigureCalls = 0;
  closeCalls = 0;
  inboundAt = 0;
  /** resolves on the first close() */
  readonly closed: Promise<void>;
  private markClosed: () => void = () => undefined;
  private readonly packetListeners: ((packet: Buffer, leg: IkeLeg) => void)[] = [];
  private readonly eventListeners: ((event: DataPlaneEvent) => void)[] = [];
  private readonly sentListeners: (() => void)[] = [];

  constructor(
    readonly options: OpenIkeOptions,
    index: number,
  ) {
    this.localPort = 40000 + index;
    this.localNattPort = 45000 + index;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  /** a packet "from the gateway" */
  deliver(packet: Buffer, leg: IkeLeg): void {
    for (const listener of this.packetListeners) listener(packet, leg);
  }

  emit(event: DataPlaneEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  /** resolves once `count` packets were sent through this channel */
  async waitForSent(count: number): Promise<void> {
    while (this.sent.length < count) {
      await new Promise<void>((resolve) => this.sentListeners.push(resolve));
    }
  }

  send(packet: Buffer, leg: IkeLeg): void {
    this.sent.push({ packet, leg });
    for (const listener of this.sentListeners.splice(0)) listener();
  }
  onPacket(listener: (packet: Buffer, leg: IkeLeg) => void): void {
    this.packetListeners.push(listener);
  }
  onEvent(listener: (event: DataPlaneEvent) => void): void {
    this.eventListeners.push(listener);
  }
  setKeepalive(intervalSeconds: number): void {
    this.keepalives.push(intervalSeconds);
  }
  lastInboundAt(): number {
    return this.inboundAt;
  }
  async installSa(sa: EspSaPair): Promise<void> {
    this.installed.push(sa);
  }
  async removeSa(id: string): Promise<void> {
    this.removed.push(id);
  }
  async configureNetwork(setup: NetworkSetup): Promise<AppliedNetwork> {
    this.configured.push(setup);
    const how = typeof setup.script === 'object' ? `script ${setup.script.path}` : setup.script;
    return { tunName: setup.tunName, mtu: setup.mtu, changes: [`configured by ${how}`] };
  }
  async deconfigureNetwork(): Promise<void> {
    this.deconfigureCalls++;
  }
  async close(): Promise<void> {
    this.closeCalls++;
    this.markClosed();
  }
}

export class FakeDataPlane implements DataPlanePort {
  readonly channels: FakeChannel[] = [];
  private readonly openListeners: ((channel: FakeChannel) => void)[] = [];

  constructor(private readonly onOpen?: (channel: FakeChannel) => void) {}

  async openIke(options: OpenIkeOptions): Promise<IkeChannel> {
    const channel = new FakeChannel(options, this.channels.length);
    this.channels.push(channel);
    this.onOpen?.(channel);
    for (const listener of this.openListeners.splice(0)) listener(channel);
    return channel;
  }

  /** the channel opened as number `index` (0-based), once it exists */
  channel(index: number): Promise<FakeChannel> {
    const existing = this.channels[index];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const check = () => {
        const channel = this.channels[index];
        if (channel) resolve(channel);
        else this.openListeners.push(check);
      };
      this.openListeners.push(check);
    });
  }
}
