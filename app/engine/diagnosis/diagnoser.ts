// The connection's diagnosis: from what went over the wire (IKE datagrams and their repeats, ICMP
// errors), the engine's own events (states, data-plane counters) and how it failed, one current
// diagnosis with its evidence. Pure: facts in, diagnosis events out, time from the caller.
import type { IkeLeg } from '../../shared/dataplane-port.js';
import type {
  ConnectionState,
  CountersEvent,
  DiagnosisCode,
  DiagnosisEvent,
  EngineEvent,
  ErrorCode,
} from '../../shared/events.js';
import { notifyName } from '../notify-errors.js';
import { ExchangeType } from '../wire/constants.js';
import {
  NATT_SILENT_SENDS,
  type TimingSettings,
  espSilenceMs,
  noAnswerSends,
  worryMs,
} from './budgets.js';
import type { IkeFact } from './ike-tap.js';
import { DIAGNOSES, DIAGNOSIS_OF_ERROR } from './table.js';

export interface DiagnosisContext extends TimingSettings {
  gateway: string;
  gatewayPort: number;
  gatewayNattPort: number;
  /** what we offer, as the profile names it */
  phase1Offers: string[];
  phase2Offers: string[];
  pfs: string;
}

export interface Failure {
  code: ErrorCode;
  message: string;
  failedAt: ConnectionState;
}

export type DiagnosisFact =
  | IkeFact
  /** the network refused our IKE packets (an errno from ICMP, e.g. ECONNREFUSED) */
  | { kind: 'unreachable'; at: number; detail: string }
  | { kind: 'event'; at: number; event: EngineEvent }
  | { kind: 'failure'; at: number; failure: Failure };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface LegTraffic {
  sent: number;
  received: number;
  lastReceivedAt: number;
}

/** ESP since the tunnel came up: what went out since something last came in. */
interface EspWatch {
  packetsIn: number;
  packetsOutAtLastIn: number;
  bytesOutAtLastIn: number;
  /** when outbound traffic first went unanswered; undefined while answered */
  unansweredSince: number | undefined;
  /** the previous counters tick while up: ESP sent before it was answered or counted then */
  lastTickAt: number | undefined;
}

export class Diagnoser {
  private current: DiagnosisEvent | undefined;
  private state: ConnectionState = 'idle';
  private readonly legs: Record<IkeLeg, LegTraffic> = {
    ike: { sent: 0, received: 0, lastReceivedAt: 0 },
    natt: { sent: 0, received: 0, lastReceivedAt: 0 },
  };
  private unreachable: string | undefined;
  /** our message 1: first sent, sent how often */
  private message1: { firstAt: number; sends: number; mode: 'main' | 'aggressive' } | undefined;
  /** the gateway sent the same aggressive mode message again after we floated to 4500 */
  private gatewayRepeatsAfterFloat = 0;
  /** an unprotected notification while connected: the gateway lost our IKE SA */
  private unprotectedNotify: string | undefined;
  private esp: EspWatch = freshEspWatch();
  /** the data plane's last ESP sent (its clock: ms since the epoch) */
  private lastEspOutboundAt = 0;

  constructor(
    private readonly context: DiagnosisContext,
    private readonly emit: (event: DiagnosisEvent) => void,
  ) {}

  /** ESP went out since anything last came from the gateway, longer ago than DPD's worry
   * time: DPD probes now (the probe's answer tells a blocked path from a dead gateway) */
  trafficUnanswered(lastInboundAt: number, now: number): boolean {
    return this.lastEspOutboundAt > lastInboundAt && now - lastInboundAt >= worryMs(this.context);
  }

  /** the current diagnosis, if any */
  get diagnosis(): DiagnosisEvent | undefined {
    return this.current;
  }

  observe(fact: DiagnosisFact): void {
    switch (fact.kind) {
      case 'ike':
        return fact.direction === 'sent' ? this.onSent(fact) : this.onReceived(fact);
      case 'unreachable':
        return this.onUnreachable(fact.at, fact.detail);
      case 'event':
        if (fact.event.type === 'state') this.onState(fact.event.state);
        if (fact.event.type === 'counters') this.onCounters(fact.at, fact.event);
        return;
      case 'failure':
        return this.onFailure(fact.at, fact.failure);
    }
  }

  private onSent(fact: IkeFact): void {
    const leg = this.legs[fact.leg];
    leg.sent++;
    const { gateway, gatewayPort, gatewayNattPort } = this.context;
    // main mode's message 3 is in clear on UDP 500 too, but only after the gateway answered
    const mainMode1 = fact.exchangeType === ExchangeType.IdentityProtection && leg.received === 0;
    const message1 = fact.exchangeType === ExchangeType.Aggressive || mainMode1;
    if (fact.leg === 'ike' && message1 && !fact.encrypted) {
      const mode = mainMode1 ? 'main' : 'aggressive';
      this.message1 = { firstAt: fact.firstAt, sends: fact.repeat, mode };
      const unanswered = leg.lastReceivedAt < fact.firstAt;
      if (unanswered && fact.repeat >= noAnswerSends(this.context) && !this.unreachable)
        this.raise(fact.at, 'no-answer', [
          `${mode} mode message 1 sent ${fact.repeat} times over ${seconds(fact.at - fact.firstAt)} to ${gateway} UDP ${gatewayPort}: no answer`,
          'no ICMP error came back either: the packets vanish on the way or the gateway ignores them',
        ]);
      return;
    }
    if (fact.leg === 'natt' && this.nattSilent() && leg.sent >= NATT_SILENT_SENDS)
      this.raise(fact.at, 'udp-4500-blocked', this.nattEvidence(gatewayNattPort));
  }

  private onReceived(fact: IkeFact): void {
    const leg = this.legs[fact.leg];
    leg.received++;
    leg.lastReceivedAt = fact.at;
    const code = this.current?.code;
    if (fact.leg === 'ike' && (code === 'no-answer' || code === 'icmp-unreachable'))
      this.clear(fact.at, `the gateway answered on UDP ${this.context.gatewayPort}`);
    if (fact.leg === 'natt' && code === 'udp-4500-blocked')
      this.clear(fact.at, `the gateway answered on UDP ${this.context.gatewayNattPort}`);
    if (
      fact.leg === 'ike' &&
      fact.exchangeType === ExchangeType.Aggressive &&
      fact.repeat > 1 &&
      this.legs.natt.sent > 0
    ) {
      this.gatewayRepeatsAfterFloat++;
      if (this.nattSilent() && this.gatewayRepeatsAfterFloat >= NATT_SILENT_SENDS - 1)
        this.raise(fact.at, 'udp-4500-blocked', this.nattEvidence(this.context.gatewayNattPort));
    }
    if (fact.notifyType !== undefined && this.isUp())
      this.unprotectedNotify = `the gateway sent an unprotected ${notifyName(fact.notifyType)} while we were connected: it no longer knows our IKE SA`;
  }

  /** We talk on 4500 and the gateway answered on 500, but nothing ever came on 4500. */
  private nattSilent(): boolean {
    return this.legs.natt.sent > 0 && this.legs.natt.received === 0 && this.legs.ike.received > 0;
  }

  private nattEvidence(port: number): string[] {
    const { ike, natt } = this.legs;
    return [
      `the gateway answered ${ike.received} time(s) on UDP ${this.context.gatewayPort}`,
      `${natt.sent} message(s) sent on UDP ${port} after the switch to NAT traversal: nothing came back on it`,
      ...(this.gatewayRepeatsAfterFloat
        ? [
            `the gateway sent its aggressive mode message 2 again ${this.gatewayRepeatsAfterFloat} time(s): our message 3 on UDP ${port} did not reach it`,
          ]
        : []),
    ];
  }

  private onUnreachable(at: number, detail: string): void {
    if (this.isUp() || this.unreachable) return;
    this.unreachable = detail;
    const { gateway, gatewayPort } = this.context;
    this.raise(at, 'icmp-unreachable', [
      `ICMP error for our IKE packets to ${gateway} UDP ${gatewayPort}: ${detail}`,
      ...(this.message1
        ? [`${this.message1.mode} mode message 1 sent ${this.message1.sends} time(s)`]
        : []),
    ]);
  }

  private onState(state: ConnectionState): void {
    const wasUp = this.isUp();
    this.state = state;
    if (!wasUp && state === 'connected') this.esp = freshEspWatch();
  }

  private isUp(): boolean {
    return this.state === 'connected' || this.state === 'rekeying';
  }

  /** ESP went out, nothing came in for espSilenceMs, while the gateway still answered IKE. */
  private onCounters(at: number, counters: CountersEvent): void {
    if (!this.isUp()) return;
    const { total } = counters;
    this.lastEspOutboundAt = total.lastOutboundAt;
    const esp = this.esp;
    // totals fall when an SA goes away with its counters: start over from here
    if (total.packetsIn < esp.packetsIn || total.packetsOut < esp.packetsOutAtLastIn)
      Object.assign(esp, freshEspWatch(), { packetsIn: total.packetsIn });
    const previousTick = esp.lastTickAt ?? at;
    esp.lastTickAt = at;
    if (total.packetsIn > esp.packetsIn) {
      esp.packetsIn = total.packetsIn;
      esp.packetsOutAtLastIn = total.packetsOut;
      esp.bytesOutAtLastIn = total.bytesOut;
      // ESP sent after the last packet decrypted in this tick is unanswered since that packet
      esp.unansweredSince =
        total.lastOutboundAt > total.lastInboundAt ? total.lastInboundAt : undefined;
      if (this.current?.code === 'esp-blocked') this.clear(at, 'ESP packets decrypt again');
      return;
    }
    if (total.packetsOut <= esp.packetsOutAtLastIn) return;
    // silence is timed from when it began (the last decrypted packet, or the tick before the
    // first unanswered send), not from the tick that noticed it: else a tick's lag plus the
    // tick that crosses espSilenceMs would take the diagnosis past its budget
    esp.unansweredSince ??= Math.max(total.lastInboundAt, previousTick);
    const silent = at - esp.unansweredSince;
    const ikeAnswered = Math.max(this.legs.natt.lastReceivedAt, this.legs.ike.lastReceivedAt);
    if (silent < espSilenceMs(this.context) || ikeAnswered <= esp.unansweredSince) return;
    if (this.current?.code === 'esp-blocked') return;
    this.raise(at, 'esp-blocked', [
      `${total.packetsOut - esp.packetsOutAtLastIn} ESP packet(s) (${total.bytesOut - esp.bytesOutAtLastIn} bytes) encrypted and sent in the last ${seconds(silent)}: none decrypted (ESP packets in stayed at ${total.packetsIn})`,
      `the gateway still answers IKE on UDP ${this.context.gatewayNattPort} (last ${seconds(at - ikeAnswered)} ago)`,
      `inbound drops: ${total.icvFailures} integrity, ${total.replayDrops} replay, ${total.noSaDrops} unknown SPI`,
    ]);
  }

  private onFailure(at: number, failure: Failure): void {
    const code = this.codeOf(failure);
    if (!code) return;
    const earlier = this.current?.code === code ? this.current.evidence : this.seen(code);
    this.raise(at, code, [...earlier, failure.message, ...this.offered(code)], true);
  }

  private codeOf({ code, failedAt }: Failure): DiagnosisCode | undefined {
    const silentGateway = code === 'timeout' || code === 'peer-dead';
    if ((silentGateway || code === 'gateway-unreachable') && this.nattSilent())
      return 'udp-4500-blocked';
    if (code === 'gateway-unreachable' && this.unreachable) return 'icmp-unreachable';
    if (silentGateway && this.unprotectedNotify) return 'gateway-restarted';
    // a refusal while Quick Mode runs is phase 2's, whatever the notification's name
    if (code === 'no-proposal-chosen' && failedAt.startsWith('qm')) return 'phase2-refused';
    if (code === 'timeout') return 'peer-dead';
    return DIAGNOSIS_OF_ERROR[code];
  }

  /** What the wire showed for a code first named at the failure. */
  private seen(code: DiagnosisCode): string[] {
    if (code === 'udp-4500-blocked') return this.nattEvidence(this.context.gatewayNattPort);
    if (code === 'gateway-restarted' && this.unprotectedNotify) return [this.unprotectedNotify];
    return [];
  }

  private offered(code: DiagnosisCode): string[] {
    const { phase1Offers, phase2Offers, pfs } = this.context;
    if (code === 'phase1-no-proposal') return [`we offered (phase 1): ${phase1Offers.join(', ')}`];
    if (code === 'phase2-refused')
      return [`we offered (phase 2, ESP): ${phase2Offers.join(', ')}; PFS ${pfs}`];
    return [];
  }

  private raise(at: number, code: DiagnosisCode, evidence: string[], final = false): void {
    if (!final && this.current?.code === code) return;
    const { cause, phase, next } = DIAGNOSES[code];
    this.current = { type: 'diagnosis', at, code, cause, evidence, next, phase, cleared: false };
    this.emit(this.current);
  }

  private clear(at: number, why: string): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    this.emit({ ...current, at, evidence: [...current.evidence, why], cleared: true });
  }
}

function freshEspWatch(): EspWatch {
  return {
    packetsIn: 0,
    packetsOutAtLastIn: 0,
    bytesOutAtLastIn: 0,
    unansweredSince: undefined,
    lastTickAt: undefined,
  };
}
