// The engine's public surface: what the CLI, the desktop app's VpnService and the tests use.
import type { DataPlanePort } from '../shared/dataplane-port.js';
import type { ConnectionState, EngineEvent, ErrorCode, LogLevel } from '../shared/events.js';
import type { Profile } from '../shared/profile.js';
import type { Secret } from '../shared/secret.js';
import type { XAUTH_FIELDS, XauthField, XauthTypeName } from '../shared/xauth-fields.js';

/** What the gateway asked for in an XAuth round (draft-ietf-ipsec-isakmp-xauth-06 6.1). */
export interface XauthRequest {
  /** 1 for the first round; later rounds are OTP, next token code, new PIN, a message */
  round: number;
  xauthType: XauthTypeName;
  /** what to answer; none: a message (below) the user acknowledges */
  fields: XauthField[];
  /** XAUTH_MESSAGE from the gateway, shown to the user */
  message?: string;
  /** the username the profile holds, for pre-filling */
  username?: string;
}

/** The answers, by each field's answer key: secrets as Secret, names as text. */
export type XauthResponse = {
  [R in (typeof XAUTH_FIELDS)[number] as R['answer']]?: R['secret'] extends true ? Secret : string;
};

/** Where secrets come from: a file, a TTY prompt, the keychain, the UI. */
export interface CredentialProvider {
  groupPsk(): Promise<Secret>;
  /** the passphrase of an encrypted client private key (xauth-rsa); absent: none to give */
  keyPassphrase?(): Promise<Secret>;
  xauth(request: XauthRequest, signal: AbortSignal): Promise<XauthResponse>;
  /** The gateway's Unity SAVE_PASSWD answer (undefined: it sent none), so a store can drop a
   * saved password. Saving needs an explicit yes; only an explicit no also forbids keeping the
   * password in memory for the session's re-authentications. */
  savePasswordPolicy?(allowed: boolean | undefined): void;
}

export interface ConnectOptions {
  profile: Profile;
  credentials: CredentialProvider;
  dataPlane: DataPlanePort;
  /** lowest level of log events emitted (default info) */
  logLevel?: LogLevel;
  /** don't let network configuration touch DNS (tests, servers) */
  skipDns?: boolean;
  /** don't configure the OS network at all (--no-script): SAs only */
  skipNetworkConfig?: boolean;
  /** retransmission of our requests (default: first after 0.5 s, doubling, 6 sends) */
  timing?: { initialMs: number; tries: number };
  /** each IKE message as cleartext with its secrets redacted, for a support bundle's pcap */
  ikeCapture?: (message: CapturedIkeMessage) => void;
}

/** Where the IKE datagrams of a connection go: our ports and the gateway's, on 500 and 4500. */
export interface IkeEndpoints {
  localAddress: string;
  localPort: number;
  localNattPort: number;
  gatewayAddress: string;
  gatewayPort: number;
  gatewayNattPort: number;
}

export interface UdpEndpoint {
  address: string;
  port: number;
}

/** One IKE datagram as the capture tap shows it: cleartext ISAKMP (the encryption flag cleared,
 * the payloads decrypted) with the XAuth password, passcode and next PIN, key exchange data,
 * HASH and SIG data zero-filled in place. */
export interface CapturedIkeMessage {
  /** ms since the epoch */
  at: number;
  direction: 'sent' | 'received';
  source: UdpEndpoint;
  destination: UdpEndpoint;
  /** the UDP payload as on the wire: behind the non-ESP marker on the NAT-T port */
  udpPayload: Buffer;
  /** encrypted on the wire and shown decrypted; false for a message sent in clear, and for a
   * retransmission whose plaintext the tap no longer holds (shown encrypted, as it went) */
  decrypted: boolean;
}

export interface VpnConnection {
  readonly state: ConnectionState;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** resolves once phase 2 is up and the network configured; rejects with EngineError */
  readonly connected: Promise<void>;
  /** resolves when the connection has ended for any reason, with the error if it failed */
  readonly closed: Promise<EngineError | undefined>;
  /** sends DELETE for every SA, undoes the network, closes sockets */
  disconnect(): Promise<void>;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  /** the gateway's message behind this error was authenticated (its HASH verified with the IKE
   * SA's keys): only then may a client act on what it says, such as drop a saved key */
  readonly authenticated: boolean;
  /** with 'gateway-redirected': the cluster member to connect to instead */
  readonly redirectTo: string | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    evidence: { authenticated?: boolean; redirectTo?: string } = {},
  ) {
    super(message);
    this.authenticated = evidence.authenticated ?? false;
    this.redirectTo = evidence.redirectTo;
  }
}
