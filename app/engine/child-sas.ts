// The connection's ESP SAs (IKEv1 child SAs): Quick Mode for new ones and their installation in
// the data plane, a rekey before each expires, the gateway's own rekeys (we answer its Quick
// Mode), and make-before-break retirement of the SAs they replace.
import type { IkeChannel } from '../shared/dataplane-port.js';
import type { EspSaPair } from '../shared/esp-sa.js';
import type { ConnectionState, EngineEvent } from '../shared/events.js';
import type { ModeConfigResult } from '../shared/network-setup.js';
import type { Profile } from '../shared/profile.js';
import { deleteEspSa } from './exchanges/informational.js';
import { type QuickModeDeps, type QuickModeResult, runQuickMode } from './exchanges/quick-mode.js';
import { answerQuickMode } from './exchanges/quick-mode-responder.js';
import type { Logger } from './logger.js';
import type { MessageIds } from './message-ids.js';
import type { Messenger } from './messenger.js';
import type { Phase1Result } from './phase1.js';
import { DH_GROUPS, offeredEspProposals } from './proposals.js';
import { REKEY_GRACE_MS, rekeyDelayMs } from './rekey-timing.js';
import { ipsecSaEvent, spiHex } from './sa-events.js';
import { UnauthenticatedError } from './unauthenticated.js';
import { childSaWarnings } from './security-warnings.js';
import { DecodeError } from './wire/codec.js';
import { EncapsulationMode } from './wire/constants.js';
import type { RawMessage } from './wire/message.js';
import type { OutgoingPayload } from './wire/payloads.js';

export interface ChildSa {
  pair: EspSaPair;
  /** the IKE SA it was negotiated under: DELETEs for it go there */
  ike: Phase1Result;
  /** its rekey, or once replaced its removal after the grace period: cleared on teardown */
  timer?: NodeJS.Timeout;
  rekeyCount: number;
}

/** What the child SAs need of their connection. The channel and messenger are asked for when
 * used: they exist from the connection's first step on, before any child SA. */
export interface ChildSaSession {
  readonly profile: Profile;
  readonly log: Logger;
  readonly messageIds: MessageIds;
  channel(): IkeChannel;
  messenger(): Messenger;
  /** the current IKE SA: new child SAs are negotiated under it */
  ikeSa(): Phase1Result;
  modeConfig(): ModeConfigResult | undefined;
  state(): ConnectionState;
  isEnding(): boolean;
  /** throws once the connection is being cancelled or has failed */
  checkAborted(): void;
  emit(event: EngineEvent): void;
  sendInformational(payload: OutgoingPayload, via: Phase1Result): void;
  /** runs `work` in the 'rekeying' state back to 'connected'; its failure ends the connection */
  renew(detail: string, work: () => Promise<unknown>): Promise<void>;
}

export class ChildSas {
  /** oldest first: the last one is the current SA, the others wait out their grace period */
  private readonly children: ChildSa[] = [];
  private saCounter = 0;

  constructor(private readonly session: ChildSaSession) {}

  /** the child SAs as they are now */
  current(): ChildSa[] {
    return [...this.children];
  }

  /** Quick Mode for a new child SA; installs it in the data plane. A replacement counts as one
   * more rekey of the current SA; `onStep` follows the first one's messages. */
  async negotiate(replacement: boolean, onStep?: QuickModeDeps['onSent']): Promise<ChildSa> {
    const { session } = this;
    const phase1 = session.ikeSa();
    const virtualIp = session.modeConfig()?.internalIp4 as string;
    const result = await runQuickMode(
      {
        ...this.espPolicy(),
        local: { address: virtualIp, prefix: 32 },
        remote: { address: '0.0.0.0', prefix: 0 },
      },
      {
        sa: phase1.sa,
        messenger: session.messenger(),
        log: session.log,
        messageId: session.messageIds.next(),
        onSent: (step) => onStep?.(step),
      },
    );
    return this.install(
      result,
      phase1,
      replacement ? (this.children.at(-1)?.rekeyCount ?? 0) + 1 : 0,
    );
  }

  /** The data plane asks for a new SA before the current one runs out (bytes, sequence). */
  onRekeyNeeded(saId: string, reason: string): void {
    const child = this.children.find((c) => c.pair.id === saId);
    if (child && this.children.at(-1) === child) void this.rekey(child, reason);
  }

  /** The gateway rekeys on its own (we are the Quick Mode responder): the new pair goes in
   * next to the old one, which the gateway's DELETE removes, or we do after the grace period. */
  async answerGatewayRekey(request: RawMessage): Promise<void> {
    const { session } = this;
    const phase1 = session.ikeSa();
    const old = this.children.at(-1);
    if (!old) return;
    session.messageIds.reserve(request.header.messageId);
    const [local, remote] = [old.pair.selectors.local[0], old.pair.selectors.remote[0]];
    if (!local || !remote) return;
    try {
      const answer = await answerQuickMode(
        request,
        { ...this.espPolicy(), selectors: { local, remote } },
        {
          sa: phase1.sa,
          messenger: session.messenger(),
          newMessageId: session.messageIds.next,
        },
      );
      if (answer.status === 'refused') {
        session.log.warn('phase2', `refused the gateway's Quick Mode: ${answer.reason}`);
        return;
      }
      if (session.isEnding()) return;
      session.log.info('phase2', 'the gateway rekeyed the ESP SA');
      clearTimeout(old.timer);
      await this.install(answer.result, phase1, old.rekeyCount + 1);
      this.retireAfterGrace(old);
    } catch (error) {
      // the connection ended while we answered: nothing to report
      if (session.isEnding()) return;
      if (error instanceof UnauthenticatedError) {
        session
          .messenger()
          .dropUnauthenticated(error, '(a Quick Mode the gateway starts)', 'debug');
        return;
      }
      if (error instanceof DecodeError) {
        session.log.debug(
          'phase2',
          `dropped a Quick Mode message from the gateway: ${error.message}`,
        );
        return;
      }
      // the old SA stays; if the gateway deleted it, replaceDeleted takes over
      session.log.warn(
        'phase2',
        `the gateway's Quick Mode failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** The gateway's DELETE for ESP SAs, named by the SPIs it receives on (our outbound SPIs). */
  onGatewayDelete(spis: Buffer[]): void {
    for (const spi of spis) {
      if (spi.length !== 4) continue;
      const child = this.children.find((c) => c.pair.outbound.spi === spi.readUInt32BE(0));
      if (!child) continue;
      this.session.log.info(
        'informational',
        `the gateway deleted ESP SA ${spiHex(child.pair.outbound.spi)}`,
      );
      const newest = this.children.at(-1) === child;
      void this.retire(child, undefined).then(() => {
        if (newest && this.session.state() === 'connected') void this.replaceDeleted();
      });
    }
  }

  /** No more rekeys or timed removals for these child SAs (by default all): they are replaced
   * or going away. */
  stopRekeys(children: ChildSa[] = this.children): void {
    for (const child of children) clearTimeout(child.timer);
  }

  /** Removes an ESP SA; `deleteVia` is the IKE SA to send its DELETE through, if one is due. */
  async retire(child: ChildSa, deleteVia: Phase1Result | undefined): Promise<void> {
    const index = this.children.indexOf(child);
    if (index < 0) return;
    this.children.splice(index, 1);
    clearTimeout(child.timer);
    if (deleteVia) this.session.sendInformational(deleteEspSa(child.pair.inbound.spi), deleteVia);
    await this.session.channel().removeSa(child.pair.id);
    this.session.emit(ipsecSaEvent(child.pair, child.rekeyCount, 'deleted', undefined));
  }

  private async install(
    result: QuickModeResult,
    ike: Phase1Result,
    rekeyCount: number,
  ): Promise<ChildSa> {
    await this.session.channel().installSa(result.pair);
    // the connection may have ended while the data plane installed it
    this.session.checkAborted();
    const child: ChildSa = { pair: result.pair, ike, rekeyCount };
    this.children.push(child);
    this.scheduleRekey(child);
    this.session.emit(ipsecSaEvent(child.pair, rekeyCount, 'installed', result.pfsGroup));
    for (const warning of childSaWarnings(result.pair, result.pfsGroup)) this.session.emit(warning);
    this.session.log.info(
      'phase2',
      `ESP SA ${result.proposal.text} in ${spiHex(result.pair.inbound.spi)} out ${spiHex(result.pair.outbound.spi)}, lifetime ${result.pair.lifetime.seconds} s`,
    );
    return child;
  }

  private scheduleRekey(child: ChildSa): void {
    child.timer = setTimeout(
      () => void this.rekey(child, 'lifetime'),
      rekeyDelayMs(child.pair.lifetime.seconds),
    );
  }

  private async rekey(old: ChildSa, reason: string): Promise<void> {
    if (this.session.state() !== 'connected' || !this.children.includes(old)) return;
    clearTimeout(old.timer);
    await this.session.renew(reason, async () => {
      await this.negotiate(true);
      this.retireAfterGrace(old);
    });
  }

  private async replaceDeleted(): Promise<void> {
    await this.session.renew('gateway deleted the ESP SA', () => this.negotiate(true));
  }

  /** make before break: the old SA keeps receiving until the gateway has switched */
  private retireAfterGrace(old: ChildSa): void {
    old.timer = setTimeout(() => void this.retire(old, old.ike), REKEY_GRACE_MS).unref();
  }

  private pfsGroup(): number | undefined {
    const { pfs } = this.session.profile;
    if (pfs === 'off') return undefined;
    if (pfs === 'auto')
      return this.session.modeConfig()?.pfs ? this.session.ikeSa().chosen.group : undefined;
    return DH_GROUPS[pfs];
  }

  /** What both Quick Mode roles offer or accept, from the profile and phase 1. */
  private espPolicy() {
    const { profile } = this.session;
    return {
      proposals: offeredEspProposals(profile),
      encapsulationMode:
        this.session.ikeSa().nat.mode === 'rfc3947'
          ? EncapsulationMode.UdpTunnel
          : EncapsulationMode.UdpTunnelDraft,
      lifetime: {
        seconds: profile.ipsecLifetimeSeconds,
        kilobytes: profile.ipsecLifetimeKilobytes,
      },
      pfsGroup: this.pfsGroup(),
      replayWindow: 1024,
      saId: `sa${++this.saCounter}`,
    };
  }
}
