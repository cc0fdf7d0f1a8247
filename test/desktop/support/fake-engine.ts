// A stand-in for the IKEv1 engine with the same ConnectOptions -> VpnConnection shape: it walks
// the exchange steps a real connection emits (aggressive mode, XAuth, Mode Config, Quick Mode),
// asks the CredentialProvider like the engine does, and fails the way the engine fails. The
// desktop tests and the browser e2e run the real VpnService against it.
import type { ConnectOptions, VpnConnection, XauthRequest } from '../../../app/engine/api.js';
import { EngineError } from '../../../app/engine/api.js';
import { groupKeyWarning } from '../../../app/engine/security-warnings.js';
import { DIAGNOSES, DIAGNOSIS_OF_ERROR } from '../../../app/engine/diagnosis/table.js';
import type { DataPlanePort } from '../../../app/shared/dataplane-port.js';
import { splitEntryFromCidr } from '../../../app/shared/net.js';
import type { ConnectionState, EngineEvent, LogLevel, Phase } from '../../../app/shared/events.js';
import type { Secret } from '../../../app/shared/secret.js';

export interface FakeGatewayOptions {
  groupPsk: string;
  username: string;
  password: string;
  /** pause between exchange steps (the e2e uses a visible one) */
  stepDelayMs?: number;
  savePasswordAllowed?: boolean;
  banner?: string;
  /** a second XAuth round asking for a one-time passcode */
  otp?: { message: string; passcode: string };
  virtualIp?: string;
  splitInclude?: string[];
  countersIntervalMs?: number;
}

export class FakeGateway {
  readonly connections: FakeConnection[] = [];
  /** while down, attempts time out waiting for aggressive mode message 2 */
  down = false;
  /** while set, no answer to message 1 proves the group key (a wrong key, or answers forged
   * on the path): attempts fail with an unauthenticated group-psk-rejected */
  unprovenAnswers = false;

  constructor(readonly options: FakeGatewayOptions) {}

  readonly connect = (options: ConnectOptions): VpnConnection => {
    const connection = new FakeConnection(this, options);
    this.connections.push(connection);
    return connection;
  };

  get current(): FakeConnection | undefined {
    return this.connections.at(-1);
  }
}

/** The data plane is never touched by the fake engine. */
export const noDataPlane = (): DataPlanePort => ({
  openIke: () => Promise.reject(new Error('the fake engine has no data plane')),
});

const GATEWAY_ADDRESS = '198.51.100.1';

export class FakeConnection implements VpnConnection {
  state: ConnectionState = 'idle';
  readonly connected: Promise<void>;
  readonly closed: Promise<EngineError | undefined>;
  readonly events: EngineEvent[] = [];
  /** the secrets the credential provider handed over, as a real engine would hold them */
  readonly received: Secret[] = [];
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly abort = new AbortController();
  private resolveConnected: () => void = () => undefined;
  private rejectConnected: (error: EngineError) => void = () => undefined;
  private resolveClosed: (error: EngineError | undefined) => void = () => undefined;
  private countersTimer: NodeJS.Timeout | undefined;
  private ending = false;

  constructor(
    private readonly gateway: FakeGateway,
    private readonly options: ConnectOptions,
  ) {
    this.connected = new Promise((resolve, reject) => {
      this.resolveConnected = resolve;
      this.rejectConnected = reject;
    });
    this.connected.catch(() => undefined);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    setImmediate(() => void this.run().catch((error: unknown) => this.fail(error)));
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async disconnect(): Promise<void> {
    if (this.ending) {
      await this.closed;
      return;
    }
    if (this.state !== 'connected') {
      this.abort.abort();
      this.fail(new EngineError('cancelled', 'cancelled by the user'));
      await this.closed;
      return;
    }
    this.ending = true;
    clearInterval(this.countersTimer);
    this.setState('disconnecting');
    this.log('info', 'informational', 'sent DELETE for the ESP SA and the IKE SA');
    this.setState('disconnected');
    this.resolveClosed(undefined);
  }

  /** An event as the real engine emits it on its own (a diagnosis raised while connected). */
  inject(event: EngineEvent): void {
    this.emit(event);
  }

  /** the gateway stops answering DPD */
  killPeer(): void {
    this.fail(
      new EngineError('peer-dead', 'the gateway stopped answering: no reply to 5 DPD R-U-THERE'),
    );
  }

  private async run(): Promise<void> {
    const { profile, credentials } = this.options;
    const gw = this.gateway.options;
    this.log(
      'info',
      'session',
      `connecting to ${profile.gateway} (${GATEWAY_ADDRESS}) from UDP ports 40500/40501`,
    );
    const groupKey = await credentials.groupPsk();
    this.received.push(groupKey);
    const psk = groupKey.revealString();
    this.step(
      'am1-sent',
      'phase1',
      `aggressive mode message 1: ${profile.ikeProposals.length} proposals, ID KEY_ID ${profile.group}`,
    );
    await this.pause();
    if (this.gateway.down)
      throw new EngineError('timeout', 'no answer to aggressive mode message 1 after 6 tries');
    if (this.gateway.unprovenAnswers)
      throw new EngineError(
        'group-psk-rejected',
        'the gateway could not prove it knows the group key (HASH_R mismatch) (none of the 2 answers proved the group key: unauthenticated)',
        { authenticated: false },
      );
    this.step(
      'am2-received',
      'phase1',
      'gateway chose AES-CBC-256 SHA256 MODP2048; NAT-T RFC 3947, DPD, XAuth, Cisco Unity',
    );
    await this.pause();
    this.step(
      'am3-sent',
      'phase1',
      'HASH_R verified; message 3 sent with HASH_I and INITIAL-CONTACT',
    );
    if (psk !== gw.groupPsk)
      throw new EngineError(
        'group-psk-rejected',
        'the gateway did not accept the group key (check the group name and key)',
        { authenticated: true },
      );
    this.emitIkeSa();
    this.emit(groupKeyWarning(profile));
    await this.pause();
    if (profile.authMethod === 'xauth-psk') await this.xauth();
    this.step('modecfg', 'modecfg', 'asking for address, DNS, domain, banner, split networks');
    await this.pause();
    credentials.savePasswordPolicy?.(gw.savePasswordAllowed);
    this.step('qm1-sent', 'phase2', `Quick Mode: ${profile.espProposals.length} ESP proposals`);
    await this.pause();
    this.step('qm2-received', 'phase2', 'gateway chose ESP AES-GCM-256');
    this.step('qm3-sent', 'phase2', 'ESP SA c0ffee01 in / 5eed0001 out installed');
    this.emitIpsecSa();
    this.emitNetwork();
    this.setState('connected', gw.virtualIp ?? '10.99.0.10');
    this.resolveConnected();
    this.startCounters();
  }

  private async xauth(): Promise<void> {
    const { profile, credentials } = this.options;
    const gw = this.gateway.options;
    this.step('xauth', 'xauth', 'the gateway asks for username, password');
    const request: XauthRequest = {
      round: 1,
      xauthType: 'generic',
      fields: ['username', 'password'],
      ...(profile.username ? { username: profile.username } : {}),
    };
    const answer = await credentials.xauth(request, this.abort.signal);
    if (answer.password) this.received.push(answer.password);
    if (answer.username !== gw.username || answer.password?.revealString() !== gw.password) {
      throw new EngineError('xauth-rejected', 'username or password rejected by the gateway');
    }
    if (gw.otp) {
      this.log('info', 'xauth', 'the gateway asks for passcode (round 2)');
      const second = await credentials.xauth(
        { round: 2, xauthType: 'generic', fields: ['passcode'], message: gw.otp.message },
        this.abort.signal,
      );
      if (second.passcode?.revealString() !== gw.otp.passcode)
        throw new EngineError(
          'xauth-rejected',
          'username or password rejected by the gateway: wrong passcode',
        );
    }
    // the engine's words (exchanges/xauth.ts): a second round makes it "all N rounds"
    this.log(
      'info',
      'xauth',
      gw.otp
        ? 'the gateway accepted the answers of all 2 XAuth rounds'
        : 'the gateway accepted the username and password',
    );
  }

  private startCounters(): void {
    const interval = this.gateway.options.countersIntervalMs ?? 1000;
    if (!interval) return;
    let tick = 0;
    this.countersTimer = setInterval(() => {
      tick++;
      const sa = {
        packetsIn: 90 * tick,
        bytesIn: 120_000 * tick,
        packetsOut: 80 * tick,
        bytesOut: 64_000 * tick,
        icvFailures: 0,
        replayDrops: tick > 2 ? 1 : 0,
        decryptErrors: 0,
        paddingErrors: 0,
        selectorDrops: 0,
        sendErrors: 0,
        lastInboundAt: Date.now(),
        lastOutboundAt: Date.now(),
      };
      this.emit({
        type: 'counters',
        at: Date.now(),
        sas: [{ saId: 'sa1', spiIn: 0xc0ffee01, spiOut: 0x5eed0001, ...sa }],
        total: { ...sa, noSaDrops: 0, noRouteDrops: 2, receiveErrors: 0, malformedDrops: 0 },
      });
    }, interval);
  }

  private emitIkeSa(): void {
    this.emit({
      type: 'sa',
      kind: 'ike',
      at: Date.now(),
      initiatorCookie: '8f3a1c2b4d5e6f70',
      responderCookie: '0a1b2c3d4e5f6071',
      encryption: 'AES-CBC-256',
      hash: 'SHA256',
      dhGroup: 14,
      authMethod: 'XAUTH-PSK',
      lifetimeSeconds: this.options.profile.ikeLifetimeSeconds,
      natT: {
        mode: 'rfc3947',
        localBehindNat: true,
        peerBehindNat: false,
        forced: true,
        localPort: 40501,
        gatewayPort: 4500,
      },
      dpd: true,
      peerVendorIds: ['strongSwan', 'XAuth', 'DPD (RFC 3706)', 'Cisco Unity', 'NAT-T (RFC 3947)'],
      peerId: `IPV4_ADDR ${GATEWAY_ADDRESS}`,
    });
  }

  private emitIpsecSa(): void {
    this.emit({
      type: 'sa',
      kind: 'ipsec',
      at: Date.now(),
      id: 'sa1',
      spiIn: 'c0ffee01',
      spiOut: '5eed0001',
      transform: 'ESP AES-GCM-256',
      lifetimeSeconds: this.options.profile.ipsecLifetimeSeconds,
      localSelectors: [{ address: this.gateway.options.virtualIp ?? '10.99.0.10', prefix: 32 }],
      remoteSelectors: [{ address: '0.0.0.0', prefix: 0 }],
      rekeyCount: 0,
      status: 'installed',
    });
  }

  private emitNetwork(): void {
    const gw = this.gateway.options;
    const split = (
      this.options.profile.splitTunnelOverride ??
      gw.splitInclude ?? ['10.20.0.0/16']
    ).map(splitEntryFromCidr);
    this.emit({
      type: 'network',
      at: Date.now(),
      tunName: this.options.profile.tunName,
      mtu: 1400,
      internalIp4: gw.virtualIp ?? '10.99.0.10',
      dns: ['10.20.0.53'],
      nbns: [],
      defaultDomain: 'corp.example',
      splitDns: [],
      splitInclude: split,
      splitExclude: [],
      ...(gw.banner ? { banner: gw.banner } : {}),
      savePasswordAllowed: gw.savePasswordAllowed === true,
      changes: ['tun rw0 up, mtu 1400', 'route 10.20.0.0/16 dev rw0'],
    });
  }

  private fail(error: unknown): void {
    if (this.ending) return;
    this.ending = true;
    clearInterval(this.countersTimer);
    const engineError =
      error instanceof EngineError ? error : new EngineError('internal', String(error));
    const { code, message } = engineError;
    this.emit({ type: 'error', at: Date.now(), code, message, failedAt: this.state, fatal: true });
    // the diagnosis the real engine gives a failure that no earlier evidence explains
    const diagnosis = DIAGNOSIS_OF_ERROR[code];
    if (diagnosis) {
      const { cause, phase, next } = DIAGNOSES[diagnosis];
      this.emit({
        type: 'diagnosis',
        at: Date.now(),
        code: diagnosis,
        cause,
        evidence: [message],
        next,
        phase,
        cleared: false,
      });
    }
    this.log('error', 'session', engineError.message);
    this.setState(engineError.code === 'cancelled' ? 'disconnected' : 'failed');
    this.rejectConnected(engineError);
    this.resolveClosed(engineError);
  }

  private step(state: ConnectionState, phase: Phase, message: string): void {
    if (this.abort.signal.aborted) throw new EngineError('cancelled', 'cancelled by the user');
    this.setState(state);
    this.log('debug', phase, message);
  }

  private setState(state: ConnectionState, virtualIp?: string): void {
    const previous = this.state;
    this.state = state;
    const { gateway } = this.options.profile;
    const extra = virtualIp ? { virtualIp } : {};
    this.emit({ type: 'state', at: Date.now(), state, previous, gateway, ...extra });
  }

  private log(level: LogLevel, phase: Phase, message: string): void {
    this.emit({ type: 'log', at: Date.now(), level, phase, message });
  }

  private emit(event: EngineEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }

  private pause(): Promise<void> {
    const ms = this.gateway.options.stepDelayMs ?? 0;
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
