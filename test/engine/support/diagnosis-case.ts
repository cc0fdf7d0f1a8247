// One connection of the real engine against the in-memory gateway, for the diagnosis tests:
// the test scripts the gateway (tamper), the channel (drop a leg, report an ICMP error, feed
// counters) and the profile's timers, and reads the events the engine emitted.
import type { CredentialProvider, VpnConnection } from '../../../app/engine/api.js';
import { connect } from '../../../app/engine/index.js';
import type { IkeChannel, OpenIkeOptions } from '../../../app/shared/dataplane-port.js';
import type { DiagnosisEvent, EngineEvent } from '../../../app/shared/events.js';
import { type ProfileInput, ProfileSchema } from '../../../app/shared/profile.js';
import { Secret } from '../../../app/shared/secret.js';
import { FakeGateway, type ResponderChannel } from './fake-gateway.js';
import type { ResponderOptions } from './fake-responder.js';

export const PSK = 'diagnosis-group-psk';
export const USER = 'alice';
export const PASSWORD = 'diagnosis-password';
/** short retransmissions: budgets scale with them */
export const TIMING = { initialMs: 20, tries: 6 };

export interface DiagnosisCase {
  connection: VpnConnection;
  events: EngineEvent[];
  gateway: FakeGateway;
  channel: () => ResponderChannel;
}

export interface CaseOptions {
  responder?: Partial<ResponderOptions>;
  profile?: Partial<ProfileInput>;
  credentials?: Partial<CredentialProvider>;
  /** called with the channel the engine gets, before its first packet */
  onChannel?: (channel: ResponderChannel) => void;
}

export function startCase(options: CaseOptions = {}): DiagnosisCase {
  const gateway = new FakeGateway({
    psk: PSK,
    username: USER,
    password: PASSWORD,
    virtualIp: '10.99.0.2',
    ...options.responder,
  });
  const openIke = gateway.openIke.bind(gateway);
  gateway.openIke = async (open: OpenIkeOptions): Promise<IkeChannel> => {
    const channel = await openIke(open);
    options.onChannel?.(channel as ResponderChannel);
    return channel;
  };
  const connection = connect({
    profile: ProfileSchema.parse({
      name: 'diagnosis',
      gateway: '192.0.2.1',
      group: 'diagnosis-group',
      username: USER,
      natTraversal: 'force',
      ...options.profile,
    }),
    credentials: {
      groupPsk: async () => Secret.fromString(PSK),
      xauth: async () => ({ username: USER, password: Secret.fromString(PASSWORD) }),
      ...options.credentials,
    },
    dataPlane: gateway,
    logLevel: 'debug',
    timing: TIMING,
    skipDns: true,
  });
  const events: EngineEvent[] = [];
  connection.onEvent((event) => events.push(event));
  return {
    connection,
    events,
    gateway,
    channel: () => {
      if (!gateway.channel) throw new Error('no channel yet');
      return gateway.channel;
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done` holds (a stall guard, not a measurement: budgets are checked on the
 * events' own timestamps). */
export async function until(done: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > limitMs) throw new Error(`stalled waiting for ${what}`);
    await pause(5);
  }
}

export const diagnosesOf = (events: EngineEvent[]) =>
  events.filter((e): e is DiagnosisEvent => e.type === 'diagnosis');

export const stateAt = (events: EngineEvent[], state: string) =>
  events.find((e) => e.type === 'state' && e.state === state)?.at;

/** Ends the case: disconnects (or waits for the failure) and returns the events. */
export async function finish(run: DiagnosisCase): Promise<EngineEvent[]> {
  await run.connection.disconnect();
  await run.connection.closed;
  return run.events;
}
