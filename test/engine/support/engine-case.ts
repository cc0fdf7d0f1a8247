// One connection of the real engine (connect()) against the FakeResponder, optionally kept
// through phases after 'connected' (rekeys and DELETEs of ESP SAs), and the properties
// every such connection must keep however the gateway misbehaves: no exception escapes, it
// connects or ends with exactly one typed error, every event fits the schema, nothing is
// installed or configured after close, no timer is left running, and no secret shows up in
// any event. Shared by test/engine/state-fuzz.test.ts and scripts/fuzz-engine.ts.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CredentialProvider, VpnConnection } from '../../../app/engine/api.js';
import { connect } from '../../../app/engine/index.js';
import { type EngineEvent, EngineEventSchema, type ErrorCode } from '../../../app/shared/events.js';
import { type ProfileInput, ProfileSchema } from '../../../app/shared/profile.js';
import { Secret } from '../../../app/shared/secret.js';
import { FakeGateway } from './fake-gateway.js';
import type { ResponderOptions } from './fake-responder.js';

export const FAKE_PSK = 'fuzz-group-psk-7f3a';
export const FAKE_USER = 'alice';
export const FAKE_PASSWORD = 'fuzz-password-c41e';

/** What happens once connected, in order: the gateway rekeys the ESP SA (its own Quick
 * Mode), the data plane asks the engine to rekey it (a 'rekey-needed' event: the engine's
 * Quick Mode, as on expiry without waiting for the lifetime), the data plane says the current
 * SA reached a hard limit (a 'sa-expired' event: the engine deletes it and negotiates another),
 * or the gateway deletes its oldest ESP SA (the replaced one after a rekey, otherwise the only
 * one, which the engine replaces). */
export const AFTER_CONNECT_PHASES = [
  'gateway-rekey',
  'client-rekey',
  'client-expiry',
  'gateway-delete',
] as const;
/** ... and, slow (a second at least: the shortest lifetime the engine takes), the engine's
 * re-authentication before the IKE SA expires: give the gateway `firstIkeLifetimeSeconds` 2. */
export type AfterConnectPhase = (typeof AFTER_CONNECT_PHASES)[number] | 'reauthenticate';

export interface EngineCaseOptions {
  ikeProposal: string;
  /** several phase 1 proposals (one offer per DH group), instead of ikeProposal */
  ikeProposals?: string[];
  espProposal: string;
  /** more profile settings (pfs, natTraversal, ...) */
  profile?: Partial<ProfileInput>;
  responder?: Partial<ResponderOptions>;
  /** who answers XAuth (default: the username and password the gateway expects) */
  credentials?: CredentialProvider;
  phases?: readonly AfterConnectPhase[];
  /** real time to stay connected after the phases (to see SAs retired after their grace) */
  holdMs?: number;
  /** disconnect this many event-loop turns into the last phase instead of after it */
  disconnectAfterTurns?: number;
}

/** A case still undecided after this long (real time) is cancelled and reported as stalled:
 * the engine waits on a gateway that went quiet (its own limit for that is 15 s). */
const STALL_MS = 3000;

export interface EngineCaseResult {
  outcome: 'connected' | 'stalled' | ErrorCode;
  /** property violations: empty when the engine behaved */
  violations: string[];
  events: EngineEvent[];
  gateway: FakeGateway;
}

const credentials: CredentialProvider = {
  groupPsk: async () => Secret.fromString(FAKE_PSK),
  xauth: async () => ({ username: FAKE_USER, password: Secret.fromString(FAKE_PASSWORD) }),
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits, bounded (`limit` pauses), until `done` holds for a few pauses in a row. */
async function until(done: () => boolean, limit = 250): Promise<void> {
  let steady = 0;
  for (let wait = 0; wait < limit && steady < 3; wait++) {
    steady = done() ? steady + 1 : 0;
    await pause(2);
  }
}

/** Starts one phase after 'connected'; resolves once the gateway is idle and the engine
 * connected again with one more SA installed, or it has ended. */
async function runPhase(
  phase: AfterConnectPhase,
  gateway: FakeGateway,
  connection: VpnConnection,
  ended: () => boolean,
  cutAfterTurns: number | undefined,
): Promise<void> {
  const { responder, channel } = gateway;
  if (!responder || !channel) return;
  const installed = channel.installed.length;
  // the gateway's DELETE of a replaced SA installs nothing; of the last one, its replacement
  let installs = true;
  if (phase === 'gateway-rekey') responder.startQuickMode();
  if (phase === 'gateway-delete') installs = responder.deleteOldestEspSa();
  const current = channel.installed.at(-1);
  if (phase === 'client-rekey' && current)
    channel.emit({ type: 'rekey-needed', saId: current.id, reason: 'test: rekey now' });
  if (phase === 'client-expiry' && current)
    channel.emit({ type: 'sa-expired', saId: current.id, reason: 'sequence-space-exhausted' });
  if (cutAfterTurns !== undefined) {
    for (let turn = 0; turn < cutAfterTurns; turn++) await nextTurn();
    return;
  }
  const settled = () => ended() || (responder.idle && connection.state === 'connected');
  if (phase === 'reauthenticate') {
    const ikeSas = responder.ikeSaCount;
    await until(
      () => settled() && responder.ikeSaCount > ikeSas && channel.installed.length > installed,
      1500,
    );
    return;
  }
  // a new SA comes in soon (the engine answers within a few turns) unless a mutation stopped
  // it: then the engine's own limit (its retransmissions, about 150 ms) is not worth waiting for
  await until(() => settled() && (!installs || channel.installed.length > installed), 15);
  await until(settled);
}

const activeTimers = () =>
  process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

/** Runs one connection: connects, lets the gateway's own requests finish, disconnects, and
 * checks the properties. */
export async function runEngineCase(options: EngineCaseOptions): Promise<EngineCaseResult> {
  const violations: string[] = [];
  const escaped = (error: unknown) =>
    violations.push(
      `escaped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  const timersBefore = activeTimers();
  const gateway = new FakeGateway({
    psk: FAKE_PSK,
    username: FAKE_USER,
    password: FAKE_PASSWORD,
    virtualIp: '10.99.0.7',
    dns: ['10.99.0.53'],
    banner: 'fuzz gateway',
    ...options.responder,
  });
  const connection = connect({
    profile: ProfileSchema.parse({
      name: 'fuzz',
      gateway: '192.0.2.1',
      group: 'fuzz-group',
      username: FAKE_USER,
      ikeProposals: options.ikeProposals ?? [options.ikeProposal],
      espProposals: [options.espProposal],
      ...options.profile,
    }),
    credentials: options.credentials ?? credentials,
    dataPlane: gateway,
    logLevel: 'trace',
    timing: { initialMs: 10, tries: 4 },
  });
  const events: EngineEvent[] = [];
  connection.onEvent((event) => events.push(event));

  let stallTimer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    connection.connected.then(
      () => 'connected' as const,
      () => 'failed' as const,
    ),
    new Promise<'stalled'>((resolve) => {
      stallTimer = setTimeout(() => resolve('stalled'), STALL_MS);
    }),
  ]);
  clearTimeout(stallTimer);
  const ended = () => events.some((e) => e.type === 'error');
  if (settled === 'connected') {
    // the gateway's DPD request first
    await until(() => ended() || gateway.responder?.idle !== false);
    const phases = options.phases ?? [];
    for (const [index, phase] of phases.entries()) {
      if (ended()) break;
      const last = index === phases.length - 1;
      await runPhase(
        phase,
        gateway,
        connection,
        ended,
        last ? options.disconnectAfterTurns : undefined,
      );
    }
    if (options.holdMs) await pause(options.holdMs);
  }
  await connection.disconnect();
  const closedWith = await connection.closed;
  const eventsAtClose = events.length;
  // anything the engine still had in flight (a data-plane call, a dispatched message) ends now
  for (let turn = 0; turn < 8; turn++) await nextTurn();

  const errors = events.filter((e) => e.type === 'error');
  if (errors.length !== (closedWith ? 1 : 0))
    violations.push(`${errors.length} error events for ${closedWith ? 'one failure' : 'none'}`);
  if (settled === 'failed' && !closedWith)
    violations.push('connected rejected but closed resolved without an error');
  const late = events.slice(eventsAtClose).map((e) => (e.type === 'state' ? e.state : e.type));
  if (late.length) violations.push(`events after close: ${late.join(', ')}`);
  const states = events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
  const end = states.findIndex((state) => state === 'failed' || state === 'disconnected');
  if (end !== states.length - 1)
    violations.push(`state sequence does not end once: ${states.join(' > ')}`);
  const internal = errors.find((e) => e.code === 'internal');
  if (internal) violations.push(`untyped failure: ${internal.message}`);
  for (const event of events) {
    const parsed = EngineEventSchema.safeParse(event);
    if (!parsed.success) violations.push(`event off schema: ${JSON.stringify(event)}`);
  }
  const channel = gateway.channel;
  if (channel && channel.closeCalls === 0) violations.push('the IKE channel was never closed');
  violations.push(...(channel?.lateCalls ?? []));
  const timersAfter = activeTimers();
  if (timersAfter > timersBefore)
    violations.push(`${timersAfter - timersBefore} timer(s) still pending after close`);
  const serialized = JSON.stringify(events);
  const secrets = [
    FAKE_PSK,
    FAKE_PASSWORD,
    ...(gateway.responder?.secrets ?? [])
      .filter((s) => s.length >= 8)
      .map((s) => s.toString('hex')),
  ];
  for (const secret of secrets)
    if (serialized.includes(secret)) violations.push(`secret in events: ${secret.slice(0, 6)}...`);

  process.off('uncaughtException', escaped);
  process.off('unhandledRejection', escaped);
  const outcome = settled === 'stalled' ? settled : (closedWith?.code ?? 'connected');
  return { outcome, violations, events, gateway };
}
