// How soon each timed diagnosis comes, from the connection's retransmission and DPD settings,
// and the budgets (issue 14, with default settings) scaled by the same settings. Tests
// check a diagnosis's arrival against these; the diagnoser's thresholds derive from them.
import { dpdRetryMs } from '../exchanges/dpd.js';
import type { RetransmitTiming } from '../messenger.js';
import { DPD_DEFAULTS } from '../../shared/profile.js';

export interface TimingSettings {
  retransmit: RetransmitTiming;
  dpd: { delaySeconds: number; retries: number };
}

/** Sends of message 1 without an answer (4 retransmissions) before "no answer" is said; the
 * engine keeps trying until its last retransmission. */
export const NO_ANSWER_SENDS = 5;
/** Messages sent on UDP 4500 after the float with nothing back on it before "blocked". */
export const NATT_SILENT_SENDS = 4;

/** The default first retransmission the budgets were set for. */
const DEFAULT_INITIAL_MS = 500;
const NO_ANSWER_BUDGET_MS = 15_000;
const ICMP_BUDGET_MS = 10_000;
/** default worry time of DPD (5 s): the budget of the ESP row assumes it */
const DEFAULT_WORRY_MS = 5_000;
const ESP_BLOCKED_BUDGET_MS = 15_000;
const DEAD_PEER_BUDGET_MS = 35_000;
/** DPD checks and data-plane counters come once a second: short settings get this much slack
 * per step they wait for (a scaled budget below it would measure the tick, not the engine) */
const TICK_MS = 1_000;

/** The send of message 1 that says "no answer": the NO_ANSWER_SENDS-th, or the last with fewer
 * tries, but never the first: a send proves only that those before it went unanswered. With a
 * single try the engine's give-up says it. */
export function noAnswerSends(settings: TimingSettings): number {
  return Math.max(2, Math.min(NO_ANSWER_SENDS, settings.retransmit.tries));
}

/** How long our traffic may go unanswered before DPD probes, and between probes. */
export function worryMs(settings: TimingSettings): number {
  return dpdRetryMs(settings.dpd.delaySeconds);
}

/** ESP sent and nothing decrypted for this long (with IKE answering) is "ESP blocked". */
export function espSilenceMs(settings: TimingSettings): number {
  return 2 * worryMs(settings);
}

const retransmitScale = (settings: TimingSettings) =>
  settings.retransmit.initialMs / DEFAULT_INITIAL_MS;

/** From the first message 1 to the no-answer diagnosis. */
export function noAnswerBudgetMs(settings: TimingSettings): number {
  return NO_ANSWER_BUDGET_MS * retransmitScale(settings);
}

/** From the first message 1 to the ICMP-unreachable diagnosis. */
export function icmpBudgetMs(settings: TimingSettings): number {
  return ICMP_BUDGET_MS * retransmitScale(settings);
}

/** From the first unanswered ESP packet to the esp-blocked diagnosis. */
export function espBlockedBudgetMs(settings: TimingSettings): number {
  return Math.max(
    ESP_BLOCKED_BUDGET_MS * (worryMs(settings) / DEFAULT_WORRY_MS),
    espSilenceMs(settings) + 3 * TICK_MS,
  );
}

/** Traffic flowing: unanswered traffic makes DPD probe after its worry time. Idle: DPD probes
 * after the idle delay. Then the retries, one worry time apart. */
export type DeadPeerTraffic = 'flowing' | 'idle';

function deadPeerDetectionMs(dpd: TimingSettings['dpd'], traffic: DeadPeerTraffic): number {
  const retryMs = dpdRetryMs(dpd.delaySeconds);
  const firstProbeMs = traffic === 'idle' ? dpd.delaySeconds * 1000 : retryMs;
  return firstProbeMs + dpd.retries * retryMs;
}

/** From the gateway's death to the peer-dead diagnosis: the 35 s with the default DPD
 * settings (idle or not), scaled by the profile's. */
export function deadPeerBudgetMs(
  settings: TimingSettings,
  traffic: DeadPeerTraffic = 'flowing',
): number {
  const detection = deadPeerDetectionMs(settings.dpd, traffic);
  return Math.max(
    DEAD_PEER_BUDGET_MS * (detection / deadPeerDetectionMs(DPD_DEFAULTS, traffic)),
    detection + 2 * TICK_MS,
  );
}
