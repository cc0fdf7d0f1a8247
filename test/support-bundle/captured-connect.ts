// One connection of the real engine against the FakeResponder with the IKE capture tap on, and
// every secret the run made: the PSK and password (distinctive strings), the keys the gateway
// derived (SKEYID, SKEYID_d/_a/_e, the encryption key, the ESP keys, the same the engine
// derives), and each Diffie-Hellman private key and shared secret node:crypto produced
// (recorded by wrapping its DH classes for the duration of the run).
import crypto from 'node:crypto';
import type { CapturedIkeMessage } from '../../app/engine/index.js';
import { connect } from '../../app/engine/index.js';
import type { EngineEvent } from '../../app/shared/events.js';
import { type Profile, ProfileSchema } from '../../app/shared/profile.js';
import { Secret } from '../../app/shared/secret.js';
import { FakeGateway } from '../engine/support/fake-gateway.js';

export const BUNDLE_PSK = 'psk-Zq7-bundle-never-in-archive';
export const BUNDLE_PASSWORD = 'pw-Kx9-bundle-never-in-archive';

export interface CapturedRun {
  profile: Profile;
  messages: CapturedIkeMessage[];
  events: EngineEvent[];
  /** every secret of the run, the PSK and password included, as bytes */
  secrets: { name: string; bytes: Buffer }[];
}

type Prototype = {
  computeSecret(...args: unknown[]): Buffer;
  generateKeys(...args: unknown[]): Buffer;
};

/** Records each DH private key and shared secret node:crypto makes while `run` runs. */
async function recordingDh<T>(
  record: (name: string, bytes: Buffer) => void,
  run: () => Promise<T>,
): Promise<T> {
  const classes = [crypto.DiffieHellmanGroup, crypto.DiffieHellman, crypto.ECDH].map(
    (c) => c.prototype as unknown as Prototype & { getPrivateKey(): Buffer },
  );
  const originals = classes.map((p) => ({ compute: p.computeSecret, generate: p.generateKeys }));
  classes.forEach((p, i) => {
    const { compute, generate } = originals[i]!;
    p.generateKeys = function (this: typeof p, ...args) {
      const result = generate.apply(this, args);
      record('DH private key', this.getPrivateKey());
      return result;
    };
    p.computeSecret = function (this: typeof p, ...args) {
      const shared = compute.apply(this, args);
      record('DH shared secret', shared);
      return shared;
    };
  });
  try {
    return await run();
  } finally {
    classes.forEach((p, i) => {
      p.computeSecret = originals[i]!.compute;
      p.generateKeys = originals[i]!.generate;
    });
  }
}

export async function capturedConnect(
  ikeCapture?: (message: CapturedIkeMessage) => void,
  exchange: Profile['exchange'] = 'aggressive',
): Promise<CapturedRun> {
  const secrets: CapturedRun['secrets'] = [
    { name: 'PSK', bytes: Buffer.from(BUNDLE_PSK) },
    { name: 'XAuth password', bytes: Buffer.from(BUNDLE_PASSWORD) },
  ];
  const profile = ProfileSchema.parse({
    name: 'bundle-office',
    gateway: '192.0.2.1',
    group: 'bundle-group',
    username: 'alice',
    exchange,
    ikeProposals: ['aes256-sha256-modp2048'],
    espProposals: ['aes256-sha256'],
  });
  const messages: CapturedIkeMessage[] = [];
  const events: EngineEvent[] = [];
  const gateway = new FakeGateway({
    psk: BUNDLE_PSK,
    username: 'alice',
    password: BUNDLE_PASSWORD,
    virtualIp: '10.99.0.7',
    dns: ['10.99.0.53'],
  });
  await recordingDh(
    (name, bytes) => secrets.push({ name, bytes: Buffer.from(bytes) }),
    async () => {
      const connection = connect({
        profile,
        credentials: {
          groupPsk: async () => Secret.fromString(BUNDLE_PSK),
          xauth: async () => ({ username: 'alice', password: Secret.fromString(BUNDLE_PASSWORD) }),
        },
        dataPlane: gateway,
        skipNetworkConfig: true,
        // the most the log says: still no secret
        logLevel: 'trace',
        timing: { initialMs: 50, tries: 4 },
        ikeCapture: (message) => {
          messages.push(message);
          ikeCapture?.(message);
        },
      });
      connection.onEvent((event) => events.push(event));
      await connection.connected.catch((error: Error) => {
        throw new Error(
          `${error.message}; the gateway saw: ${gateway.responder?.problems.join('; ')}`,
        );
      });
      await connection.disconnect();
      await connection.closed;
    },
  );
  for (const [index, bytes] of (gateway.responder?.secrets ?? []).entries())
    secrets.push({ name: `gateway-derived key ${index} (SKEYID, SKEYID_d/_a/_e, ...)`, bytes });
  return { profile, messages, events, secrets };
}
