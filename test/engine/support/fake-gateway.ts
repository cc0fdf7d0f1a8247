// The fake gateway as a DataPlanePort: the engine's IKE channel leads to a FakeResponder.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type {
  AppliedNetwork,
  DataPlanePort,
  IkeChannel,
  IkeLeg,
  OpenIkeOptions,
} from '../../../app/shared/dataplane-port.js';
import type { EspSaPair } from '../../../app/shared/esp-sa.js';
import type { NetworkSetup } from '../../../app/shared/network-setup.js';
import { FakeChannel } from '../../helper/support/fake-data-plane.js';
import { FakeResponder, type ResponderOptions } from './fake-responder.js';

/** The channel the engine talks through: what it sends goes to the responder. Installing SAs
 * or configuring the network after close() would leave state behind: counted in `lateCalls`. */
export class ResponderChannel extends FakeChannel {
  responder: FakeResponder | undefined;
  readonly lateCalls: string[] = [];
  dataPlaneTurns = 0;

  private async dataPlaneWork(): Promise<void> {
    for (let turn = 0; turn < this.dataPlaneTurns; turn++) await nextTurn();
  }

  override send(packet: Buffer, leg: IkeLeg): void {
    super.send(packet, leg);
    this.responder?.receive(packet, leg);
  }

  override async installSa(sa: EspSaPair): Promise<void> {
    if (this.closeCalls > 0) this.lateCalls.push(`installSa(${sa.id}) after close`);
    await this.dataPlaneWork();
    await super.installSa(sa);
  }

  override async configureNetwork(setup: NetworkSetup): Promise<AppliedNetwork> {
    if (this.closeCalls > 0) this.lateCalls.push('configureNetwork after close');
    await this.dataPlaneWork();
    return super.configureNetwork(setup);
  }

  override async close(): Promise<void> {
    this.responder?.stop();
    await super.close();
  }
}

/** A DataPlanePort whose one gateway is a FakeResponder. */
export class FakeGateway implements DataPlanePort {
  channel: ResponderChannel | undefined;
  responder: FakeResponder | undefined;

  constructor(private readonly options: ResponderOptions) {}

  async openIke(options: OpenIkeOptions): Promise<IkeChannel> {
    const channel = new ResponderChannel(options, 0);
    channel.dataPlaneTurns = this.options.dataPlaneTurns ?? 0;
    const responder = new FakeResponder(this.options, channel, {
      address: options.gateway,
      port: options.gatewayPort ?? 500,
    });
    channel.responder = responder;
    this.channel = channel;
    this.responder = responder;
    return channel;
  }
}
