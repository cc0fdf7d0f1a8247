// One connection of the real engine (connect()) against the FakeResponder, and the properties
// every such connection must keep however the gateway misbehaves: no exception escapes, it
// connects or ends with exactly one typed error, every event fits the schema, nothing is
// installed or configured after close, no timer is left running, and no secret shows up in
// any event. Shared by test/engine/state-fuzz.test.ts and scripts/fuzz-engine.ts.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CredentialProvider } from '../../../app/engine/api.js';
import { connect } from '../../../app/engine/index.js';
import { type EngineEvent, EngineEventSchema, type ErrorCode } from '../../../app/shared/events.js';
import { ProfileSchema } from '../../../app/shared/profile.js';
import { Secret } from '../../../app/shared/secret.js';
import { FakeGateway } from './fake-gateway.js';
import type { ResponderOptions } from './fake-responder.js';

export const FAKE_PSK = 'fuzz-group-psk-7f3a';
export const FAKE_USER = 'alice';
export const FAKE_PASSWORD = 'fuzz-password-c41e';

export interface EngineCaseOptions {
  ikeProposal: string;
  espProposal: string;
  responder?: Partial<ResponderOptions>;
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

/** After connect: lets the gateway finish what it started (its DPD request), bounded. */
async function untilIdle(gateway: FakeGateway): Promise<void> {
  for (let wait = 0; wait < 200 && gateway.responder?.idle === false; wait++)
    await new Promise((resolve) => setTimeout(resolve, 2));
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
      ikeProposals: [options.ikeProposal],
      espProposals: [options.espProposal],
    }),
    credentials,
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
  if (settled === 'connected') await untilIdle(gateway);
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
