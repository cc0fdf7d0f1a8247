// The connection's ESP SAs (IKEv1 child SAs): Quick Mode for new ones and their installation in
// the data plane, a rekey before each expires, the gateway's own rekeys (we answer its Quick
// Mode), and make-before-break retirement of the SAs they replace.
import type { EspSaPair } from '../shared/esp-sa.js';
import type { EngineEvent } from '../shared/events.js';
import type { ModeConfigResult } from '../shared/network-setup.js';
import type { Profile } from '../shared/profile.js';
import { EngineError } from './api.js';
import { deleteEspSa } from './exchanges/informational.js';
import { type QuickModeDeps, type QuickModeResult, runQuickMode } from './exchanges/quick-mode.js';
import { answerQuickMode } from './exchanges/quick-mode-responder.js';
import type { IkeSaHolder } from './ike-sa-holder.js';
import type { Logger } from './logger.js';
import type { Phase1Result } from './phase1.js';
import { DH_GROUPS, offeredEspProposals } from './proposals.js';
import { REKEY_GRACE_MS, rekeyDelayMs } from './rekey-timing.js';
import { ipsecSaEvent, spiHex } from './sa-events.js';
import { UnauthenticatedError } from './unauthenticated.js';
import { childSaWarnings, warning } from './security-warnings.js';
import type { TaskManager, TaskName } from './tasks/task-manager.js';
import { DecodeError } from './wire/codec.js';
import { EncapsulationMode } from './wire/constants.js';
import type { RawMessage } from './wire/message.js';

/** IKEv1 carries one selector pair per Quick Mode (RFC 2409 5.5), so a dual-stack tunnel is
 * two ESP SA pairs: one for IPv4, one for IPv6. */
export type IpFamily = 4 | 6;

/** Sends of a Quick Mode for a first IPv6 SA (0.5 + 1 + 2 s of waiting with the default
 * timing): the IPv4 one just answered on the same IKE SA, so silence is the gateway's policy,
 * not the path. */
const FIRST_IPV6_TRIES = 3;

export interface ChildSa {
  family: IpFamily;
  pair: EspSaPair;
  /** the IKE SA it was negotiated under: DELETEs for it go there */
  ike: Phase1Result;
  /** its rekey, or once replaced its removal after the grace period: cleared on teardown */
  timer?: NodeJS.Timeout;
  rekeyCount: number;
}

/** What the child SAs need of their connection: its IKE SA (new child SAs are negotiated under
 * the current one) and its task queue (each Quick Mode of ours is one of its exchanges). */
export interface ChildSaSession {
  readonly profile: Profile;
  readonly log: Logger;
  ike(): IkeSaHolder;
  readonly tasks: TaskManager;
  modeConfig(): ModeConfigResult | undefined;
  emit(event: EngineEvent): void;
  /** queues `work` as a task run in the 'rekeying' state back to 'connected'; its failure ends
   * the connection. `due` says, once the task's turn comes, whether the work is still wanted. */
  renew(name: TaskName, detail: string, work: () => Promise<unknown>, due?: () => boolean): void;
}

export class ChildSas {
  /** oldest first: the last one of each family is its current SA, the others wait out their
   * grace period */
  private readonly children: ChildSa[] = [];
  private saCounter = 0;
  /** pfs: auto learned that the gateway requires PFS (it refused a Quick Mode without it) */
  private gatewayRequiresPfs = false;

  constructor(private readonly session: ChildSaSession) {}

  /** the child SAs as they are now */
  current(): ChildSa[] {
    return [...this.children];
  }

  /** the current SA of one family */
  newest(family: IpFamily): ChildSa | undefined {
    return this.children.findLast((c) => c.family === family);
  }

  /** The tunnel's SAs: IPv4, then IPv6 when Mode Config gave an IPv6 address. A gateway that
   * refuses the IPv6 one leaves an IPv4 tunnel and a warning; `onStep` follows the first. */
  async establish(
    replacement: boolean,
    onStep?: QuickModeDeps['onSent'],
  ): Promise<{ ipv4: ChildSa; ipv6: ChildSa | undefined }> {
    const ipv4 = await this.negotiate(4, replacement, onStep);
    if (this.session.modeConfig()?.internalIp6 === undefined) return { ipv4, ipv6: undefined };
    return { ipv4, ipv6: await this.negotiateIpv6(replacement) };
  }

  /** The IPv6 SA, or undefined with a warning when the gateway refuses it (authenticated) or
   * never answers: some gateways drop a Quick Mode their policy lacks instead of refusing it,
   * and the IPv4 SA just made shows the gateway itself is alive. So while no IPv6 SA carries
   * traffic, its Quick Mode gets FIRST_IPV6_TRIES sends, not the whole budget: a silent gateway
   * would otherwise hold 'connected' back for every retransmission (31.5 s by default). */
  private async negotiateIpv6(replacement: boolean): Promise<ChildSa | undefined> {
    const maxTries = this.newest(6) ? undefined : FIRST_IPV6_TRIES;
    try {
      return await this.negotiate(6, replacement, undefined, maxTries);
    } catch (error) {
      const refused = error instanceof EngineError && error.authenticated === true;
      const unanswered = error instanceof EngineError && error.code === 'timeout';
      if (!refused && !unanswered) throw error;
      const what = refused
        ? `refused an ESP SA for IPv6 (${error.message})`
        : `never answered our Quick Mode for an IPv6 ESP SA (${error.message})`;
      this.session.emit(
        warning(
          'ipv6-refused',
          `The gateway assigned the IPv6 address ${this.session.modeConfig()?.internalIp6} but ${what}: the tunnel carries IPv4 only.`,
        ),
      );
      return undefined;
    }
  }

  /** Quick Mode for a new child SA of one family; installs it in the data plane. A replacement
   * counts as one more rekey of that family's current SA. With pfs: auto, a gateway that
   * refuses an offer without PFS gets one more with PFS on the phase 1 group (a gateway that
   * requires PFS need not say so in Mode Config), and the session keeps it. */
  private async negotiate(
    family: IpFamily,
    replacement: boolean,
    onStep?: QuickModeDeps['onSent'],
    maxTries?: number,
  ): Promise<ChildSa> {
    const phase1 = this.session.ike().require();
    const rekeyCount = replacement ? (this.newest(family)?.rekeyCount ?? 0) + 1 : 0;
    let result: QuickModeResult;
    try {
      result = await this.quickMode(family, phase1, onStep, maxTries);
    } catch (error) {
      if (!this.mayRetryWithPfs(error)) throw error;
      this.gatewayRequiresPfs = true;
      this.session.log.warn(
        'phase2',
        `the gateway refused our ESP proposals without PFS (${error.message}); pfs is auto: offering PFS with the phase 1 DH group ${phase1.chosen.group} once more, and keeping it for this session's rekeys`,
      );
      result = await this.quickMode(family, phase1, onStep, maxTries);
    }
    return this.install(family, result, phase1, rekeyCount);
  }

  /** The virtual address to everything of its family (the gateway narrows the remote side). */
  private quickMode(
    family: IpFamily,
    phase1: Phase1Result,
    onStep?: QuickModeDeps['onSent'],
    maxTries?: number,
  ) {
    const { session } = this;
    const config = session.modeConfig();
    const selectors =
      family === 4
        ? {
            local: { address: config?.internalIp4 as string, prefix: 32 },
            remote: { address: '0.0.0.0', prefix: 0 },
          }
        : {
            local: { address: config?.internalIp6 as string, prefix: 128 },
            remote: { address: '::', prefix: 0 },
          };
    return session.tasks.inStep('quick-mode', (signal) =>
      runQuickMode(
        { ...this.espPolicy(), ...selectors },
        {
          sa: phase1.sa,
          messenger: session.ike().messenger,
          log: session.log,
          messageId: session.ike().messageIds.next(),
          onSent: (step) => onStep?.(step),
          signal,
          maxTries,
        },
      ),
    );
  }

  /** An authenticated refusal of proposals we made without PFS, under pfs: auto, not yet
   * retried: the gateway may require PFS. */
  private mayRetryWithPfs(error: unknown): error is EngineError {
    return (
      error instanceof EngineError &&
      error.code === 'phase2-rejected' &&
      error.authenticated === true &&
      this.session.profile.pfs === 'auto' &&
      !this.gatewayRequiresPfs &&
      this.pfsGroup() === undefined
    );
  }

  /** The data plane asks for a new SA before the current one runs out (bytes, sequence). */
  onRekeyNeeded(saId: string, reason: string): void {
    const child = this.children.find((c) => c.pair.id === saId);
    if (child && this.newest(child.family) === child) this.rekey(child, reason);
  }

  /** The data plane says an SA reached a hard limit and sends no more (RFC 4301 4.4.2.1): it
   * goes now, with a DELETE so the gateway stops sending on it, and the current one is
   * replaced unless a newer SA came in by the time the replacement's turn comes (a rekey its
   * soft limit started). */
  onExpired(saId: string, reason: string): void {
    const child = this.children.find((c) => c.pair.id === saId);
    if (!child) return;
    const family = this.children.filter((c) => c.family === child.family);
    const newest = family.at(-1) === child;
    const previous = family.at(-2);
    this.session.log.warn(
      'phase2',
      `ESP SA ${spiHex(child.pair.outbound.spi)} expired in the data plane (${reason}): deleting it${newest ? ' and negotiating a new one' : ''}`,
    );
    void this.retire(child, child.ike);
    if (newest)
      this.session.renew(
        'replace-expired',
        `ESP SA expired: ${reason}`,
        () => this.replace(child.family),
        () => this.newest(child.family) === previous,
      );
  }

  /** The gateway rekeys on its own (we are the Quick Mode responder): the new pair goes in
   * next to the old one, which the gateway's DELETE removes, or we do after the grace period. */
  async answerGatewayRekey(request: RawMessage): Promise<void> {
    const { session } = this;
    const phase1 = session.ike().require();
    const current = ([4, 6] as const).flatMap((family) => this.newest(family) ?? []);
    if (current.length === 0) return;
    session.ike().messageIds.reserve(request.header.messageId);
    const selectors = current.flatMap(({ pair }) => {
      const [local, remote] = [pair.selectors.local[0], pair.selectors.remote[0]];
      return local && remote ? [{ local, remote }] : [];
    });
    try {
      const answer = await answerQuickMode(
        request,
        { ...this.espPolicy(), selectors },
        {
          sa: phase1.sa,
          messenger: session.ike().messenger,
          newMessageId: session.ike().messageIds.next,
        },
      );
      if (answer.status === 'refused') {
        session.log.warn('phase2', `refused the gateway's Quick Mode: ${answer.reason}`);
        return;
      }
      if (session.tasks.closed) return;
      // the selectors the gateway named pick the SA it rekeys
      const local = answer.result.pair.selectors.local[0];
      const old = current.find((c) => c.pair.selectors.local[0] === local) as ChildSa;
      session.log.info('phase2', `the gateway rekeyed the IPv${old.family} ESP SA`);
      clearTimeout(old.timer);
      await this.install(old.family, answer.result, phase1, old.rekeyCount + 1);
      this.retireAfterGrace(old);
    } catch (error) {
      // the connection ended while we answered: nothing to report
      if (session.tasks.closed) return;
      if (error instanceof UnauthenticatedError) {
        session
          .ike()
          .messenger.dropUnauthenticated(error, '(a Quick Mode the gateway starts)', 'debug');
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
      const newest = this.newest(child.family) === child;
      void this.retire(child, undefined).then(() => {
        // replaced only on a connected tunnel at rest: a task under way makes a new SA anyway
        if (newest && this.session.tasks.idle)
          this.session.renew('replace-deleted', 'gateway deleted the ESP SA', () =>
            this.replace(child.family),
          );
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
    if (deleteVia)
      this.session.ike().sendInformational(deleteEspSa(child.pair.inbound.spi), deleteVia);
    await this.session.ike().channel.removeSa(child.pair.id);
    this.session.emit(ipsecSaEvent(child.pair, child.rekeyCount, 'deleted', undefined));
  }

  /** A new SA for one family in place of its current one; an IPv6 one the gateway refuses
   * leaves the IPv4 tunnel up. */
  private replace(family: IpFamily): Promise<ChildSa | undefined> {
    return family === 4 ? this.negotiate(4, true) : this.negotiateIpv6(true);
  }

  private async install(
    family: IpFamily,
    result: QuickModeResult,
    ike: Phase1Result,
    rekeyCount: number,
  ): Promise<ChildSa> {
    await this.session.ike().channel.installSa(result.pair);
    // the connection may have ended while the data plane installed it
    this.session.tasks.checkOpen();
    const child: ChildSa = { family, pair: result.pair, ike, rekeyCount };
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
      () => this.rekey(child, 'lifetime'),
      rekeyDelayMs(child.pair.lifetime.seconds),
    );
  }

  /** A rekey waits for whatever task runs (a re-authentication, another rekey) and is dropped
   * when by then `old` is no longer the current SA. */
  private rekey(old: ChildSa, reason: string): void {
    if (!this.children.includes(old)) return;
    clearTimeout(old.timer);
    this.session.renew(
      'rekey',
      reason,
      async () => {
        await this.replace(old.family);
        this.retireAfterGrace(old);
      },
      () => this.newest(old.family) === old,
    );
  }

  /** make before break: the old SA keeps receiving until the gateway has switched */
  private retireAfterGrace(old: ChildSa): void {
    old.timer = setTimeout(() => void this.retire(old, old.ike), REKEY_GRACE_MS).unref();
  }

  private pfsGroup(): number | undefined {
    const { pfs } = this.session.profile;
    if (pfs === 'off') return undefined;
    if (pfs === 'auto')
      return this.session.modeConfig()?.pfs || this.gatewayRequiresPfs
        ? this.session.ike().require().chosen.group
        : undefined;
    return DH_GROUPS[pfs];
  }

  /** What both Quick Mode roles offer or accept, from the profile and phase 1. */
  private espPolicy() {
    const { profile } = this.session;
    return {
      proposals: offeredEspProposals(profile),
      encapsulationMode:
        this.session.ike().require().nat.mode === 'rfc3947'
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
