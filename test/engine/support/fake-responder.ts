// A correct IKEv1 gateway in memory, for driving the engine without sockets: aggressive mode
// with a pre-shared key, XAuth in the rounds a test scripts, Mode Config pulled or pushed (see
// gateway-script.ts) and Quick Mode, as the responder; once
// connected, on a test's request, a Quick Mode of its own (an ESP rekey the gateway starts)
// and a DELETE of an ESP SA, and it answers the engine's own rekeys. Every
// message is built with the engine's own codec and every key, IV and HASH comes from the
// engine's crypto module, computed from the responder's side of the formulas. A test can
// script the gateway through `tamper`, which sees each message before it goes out and decides
// what is sent instead; retransmissions and cached answers always carry the correct message,
// as a real gateway's would (unless `silenceDropped`: then an answer the script dropped stays
// unsent).
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { IkeLeg } from '../../../app/shared/dataplane-port.js';
import type { EspDirectionKeys, EspEncryption, EspIntegrity } from '../../../app/shared/esp-sa.js';
import {
  type HashName,
  type IkeCipher,
  type Phase1AuthMaterial,
  createKeyExchange,
  createPrf,
  derivePskPhase1Keys,
  deriveSignaturePhase1Keys,
  espDirectionKeys,
  hashI,
  hashR,
  ikeCipherKeyLength,
  natDiscoveryHash,
  phase1EncryptionKey,
  quickModeHash2,
  quickModeHash3,
} from '../../../app/engine/crypto/index.js';
import { ecdsaMethod } from '../../../app/engine/crypto/signature.js';
import {
  deleteEspSa,
  dpdNotification,
  openInformational,
} from '../../../app/engine/exchanges/informational.js';
import { allocateSpi, selectorId } from '../../../app/engine/exchanges/quick-mode-parts.js';
import { openTransaction } from '../../../app/engine/exchanges/transaction.js';
import type { IkeSa } from '../../../app/engine/ike-sa.js';
import {
  hashOverMessage,
  openProtected,
  sealProtected,
} from '../../../app/engine/protected-message.js';
import { hashNameOf } from '../../../app/engine/proposals.js';
import {
  type DataAttribute,
  attributeNumber,
  findAttribute,
  tv,
} from '../../../app/engine/wire/attributes.js';
import {
  CfgType,
  DOI_IPSEC,
  EncapsulationMode,
  EspTransformId,
  ExchangeType,
  HeaderFlag,
  IdType,
  NotifyType,
  Phase1Attr,
  Phase1Encryption,
  Phase2Attr,
  Phase2Auth,
  PayloadType,
  ProtocolId,
  SIT_IDENTITY_ONLY,
  XauthAttr,
  XauthStatus,
} from '../../../app/engine/wire/constants.js';
import {
  type RawMessage,
  decodeHeader,
  encodeHeader,
  encodeMessage,
  findPayload,
  findPayloads,
  requirePayload,
} from '../../../app/engine/wire/message.js';
import {
  type IdBody,
  type OutgoingPayload,
  type ReceivedPayload,
  type SaBody,
  type TransformBody,
  decodePayloadChain,
  encodePayloadBody,
  encodePayloadChain,
} from '../../../app/engine/wire/payloads.js';
import { VendorId } from '../../../app/engine/wire/vendor-ids.js';
import type { FakeChannel } from '../../helper/support/fake-data-plane.js';
import {
  type ModeConfigStyle,
  type ModeConfigValues,
  type XauthRound,
  ipv4Bytes,
  modeConfigAttributes,
  passwordRound,
  xauthAnswers,
  xauthRoundAttributes,
} from './gateway-script.js';
import {
  type ResponderCertificates,
  initiatorProofVerifies,
  responderProof,
} from './certificate-responder.js';
import { ResponderIkeSa } from './responder-ike-sa.js';
import type { XauthField } from '../../../app/shared/xauth-fields.js';

/** The messages the gateway sends up to 'connected', in order. */
export const HANDSHAKE_STEPS = [
  'am2',
  'xauth-request',
  'xauth-status',
  'modecfg-reply',
  'qm2',
  'dpd',
] as const;
/** Those it sends after 'connected', when a test asks for them (runEngineCase's `phases`). */
export const AFTER_CONNECT_STEPS = [
  'rekey-qm2',
  'gateway-qm1',
  'gateway-qm3',
  'gateway-delete',
] as const;
export const RESPONDER_STEPS = [...HANDSHAKE_STEPS, ...AFTER_CONNECT_STEPS] as const;
/** With a main-mode profile, phase 1 is these three messages instead of 'am2' (RFC 2409 5). */
export const MAIN_MODE_STEPS = ['mm2', 'mm4', 'mm6'] as const;
export type ResponderStep =
  (typeof RESPONDER_STEPS)[number] | (typeof MAIN_MODE_STEPS)[number] | (typeof PUSH_STEPS)[number];
/** With a gateway that pushes Mode Config (draft-dukes-ike-mode-cfg 3.2): its CFG_SET. */
export const PUSH_STEPS = ['modecfg-set'] as const;
/** Steps sent before the IKE SA has keys: nothing to seal with. */
const CLEARTEXT_STEPS: readonly ResponderStep[] = ['am2', 'mm2', 'mm4'];

export interface ResponderTools {
  /** every datagram the responder built so far, correct and in order (for replays) */
  readonly sent: readonly Buffer[];
  /** the message ID of the exchange this step belongs to */
  readonly messageId: number;
  /** the payloads of the correct message */
  readonly payloads: readonly OutgoingPayload[];
  /** the same message with other payloads, sealed exactly as the correct one would be (keys,
   * IV chain, HASH of its exchange): for messages that are authentic but wrong */
  readonly reseal: (payloads: OutgoingPayload[]) => Buffer;
  readonly initiatorCookie: Buffer;
  readonly responderCookie: Buffer;
  /** seals a message with the IKE SA's keys and a correct HASH(1) (RFC 2409 5.7) on a copy of
   * the IV chains, so the responder's own chains do not move; undefined before phase 1 */
  readonly seal?: (exchangeType: number, messageId: number, payloads: OutgoingPayload[]) => Buffer;
}

/** How a step's message is made from its payloads with the IKE SA's keys and IV chains. */
type Build = (sa: IkeSa, payloads: OutgoingPayload[]) => Buffer;

const transactionBuild =
  (messageId: number): Build =>
  (sa, payloads) =>
    sealProtected(sa, ExchangeType.Transaction, messageId, payloads, hashOverMessage(messageId));

function attributePayload(
  cfgType: number,
  identifier: number,
  attributes: DataAttribute[],
): OutgoingPayload {
  return { type: PayloadType.Attribute, body: { cfgType, identifier, attributes } };
}

/** A datagram to send: on the current leg unless told, `afterTurns` event-loop turns later. */
export interface Outbound {
  packet: Buffer;
  leg?: IkeLeg;
  afterTurns?: number;
}

/** What goes out instead of `message` at `step`. */
export type Tamper = (step: ResponderStep, message: Buffer, tools: ResponderTools) => Outbound[];

export interface ResponderOptions extends ModeConfigValues {
  psk: string;
  username: string;
  password: string;
  /** the XAuth rounds the gateway plays (default: one, username and password) */
  xauthRounds?: XauthRound[];
  /** how Mode Config is handed out (default 'pull') */
  modeConfig?: ModeConfigStyle;
  /** what a pushed CFG_SET says differently from the REPLY */
  pushedChanges?: Partial<ModeConfigValues>;
  /** the first IKE SA's lifetime in seconds the gateway answers with (default and later IKE
   * SAs: the engine's), so that the engine re-authenticates once, soon */
  firstIkeLifetimeSeconds?: number;
  /** event-loop turns installSa and configureNetwork take, as a helper round trip would */
  dataPlaneTurns?: number;
  /** the gateway's retransmission of its own requests, XAuth and DPD (default 5 ms, 16 sends) */
  retransmit?: { intervalMs: number; tries: number };
  /** the NAT-T the gateway speaks: RFC 3947 (default) or draft-ietf-ipsec-nat-t-ike-02, with
   * the draft's vendor ID, NAT-D payload type 130 and UDP-Encapsulated-Tunnel mode 61443 */
  natT?: 'rfc3947' | 'draft';
  /** certificate authentication instead of the PSK (certificate-responder.ts) */
  certificates?: ResponderCertificates;
  tamper?: Tamper;
  /** an answer `tamper` sends nothing for is never sent, the request's retransmissions get
   * nothing either: a gateway that drops a request it has no policy for (default: a lost
   * packet, whose retransmission gets the correct answer) */
  silenceDropped?: boolean;
}

/** The responder's view of one ESP SA pair: inbound is what it receives (its own SPI). */
export interface ResponderEspSa {
  encryption: EspEncryption;
  keyBits: number;
  integrity: EspIntegrity;
  inbound: EspDirectionKeys;
  outbound: EspDirectionKeys;
}

const GATEWAY_ID_PORT = 500;

/** What each NAT-T version puts on the wire (RFC 3947 3.1, 3.2, 5.1; the draft's values). */
const NAT_T_VERSIONS = {
  rfc3947: {
    vendorId: VendorId.natTRfc3947,
    natD: PayloadType.NatD,
    tunnelMode: EncapsulationMode.UdpTunnel,
  },
  draft: {
    vendorId: VendorId.natTDraft02n,
    natD: PayloadType.NatDDraft,
    tunnelMode: EncapsulationMode.UdpTunnelDraft,
  },
} as const;

const gatewayVendorIds = (natT: keyof typeof NAT_T_VERSIONS) =>
  [VendorId.xauth, VendorId.ciscoUnity, VendorId.dpd, NAT_T_VERSIONS[natT].vendorId].map(
    (data): OutgoingPayload => ({ type: PayloadType.VendorId, body: { data } }),
  );

/** The phase 1 transform the gateway takes: the first one offered. */
interface Choice {
  transform: TransformBody;
  cipher: IkeCipher;
  hash: HashName;
  group: number;
}

function choose(offer: SaBody): Choice {
  const transform = offer.proposals[0]?.transforms[0];
  if (!transform) throw new Error('message 1 offers no transform');
  const attributes = transform.attributes;
  const cipher: IkeCipher =
    numberOf(attributes, Phase1Attr.EncryptionAlgorithm) === Phase1Encryption.AesCbc
      ? { name: 'aes', keyBits: numberOf(attributes, Phase1Attr.KeyLength) ?? 128 }
      : { name: '3des', keyBits: 192 };
  const hash = hashNameOf(numberOf(attributes, Phase1Attr.HashAlgorithm) ?? -1);
  if (!hash) throw new Error('message 1 offers an unknown hash');
  return {
    transform,
    cipher,
    hash,
    group: numberOf(attributes, Phase1Attr.GroupDescription) ?? -1,
  };
}

/** Main mode between its messages: the transform and offer, then the keys' HASH material. */
interface MainModeState {
  choice: Choice;
  saIBody: Buffer;
  auth?: Phase1AuthMaterial;
}

// RFC 2407 4.4.4 / 4.5 values back to the names of app/shared/esp-sa.ts.
const ESP_ENCRYPTION: Record<number, EspEncryption> = {
  [EspTransformId.AesGcm16]: 'aes-gcm-16',
  [EspTransformId.AesCbc]: 'aes-cbc',
  [EspTransformId.TripleDes]: '3des-cbc',
};
const ESP_INTEGRITY: Record<number, EspIntegrity> = {
  [Phase2Auth.HmacMd5]: 'hmac-md5-96',
  [Phase2Auth.HmacSha1]: 'hmac-sha1-96',
  [Phase2Auth.HmacSha2_256]: 'hmac-sha256-128',
  [Phase2Auth.HmacSha2_384]: 'hmac-sha384-192',
  [Phase2Auth.HmacSha2_512]: 'hmac-sha512-256',
};

function numberOf(attributes: DataAttribute[], type: number): number | undefined {
  const attr = findAttribute(attributes, type);
  return attr ? attributeNumber(attr) : undefined;
}

/** RFC 2408 4.2: the responder answers with the proposal it chose, holding the one transform it
 * chose, and (Quick Mode) its own SPI. */
function chosen(offer: SaBody, transform: TransformBody, spi?: Buffer): SaBody {
  const [proposal] = offer.proposals;
  if (!proposal) throw new Error('no proposal offered');
  return {
    ...offer,
    proposals: [{ ...proposal, spi: spi ?? proposal.spi, transforms: [transform] }],
  };
}

const digestOf = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

interface PendingQuickMode {
  messageId: number;
  nonceI: Buffer;
  nonceR: Buffer;
  spiI: Buffer;
  spiR: Buffer;
  sharedSecret: Buffer | undefined;
  transform: TransformBody;
}

/** A Quick Mode the gateway started: message 1 is out, message 2 awaited. */
interface GatewayQuickMode {
  messageId: number;
  nonceI: Buffer;
  spiI: Buffer;
  keyExchange: ReturnType<typeof createKeyExchange> | undefined;
  transform: TransformBody;
}

export class FakeResponder {
  /** every key the gateway derived: must never show up in an engine event */
  readonly secrets: Buffer[] = [];
  /** what the gateway saw go wrong (a correct engine against an untampered gateway: none) */
  readonly problems: string[] = [];
  readonly espSas: ResponderEspSa[] = [];
  /** the ESP SAs the gateway has not deleted yet, oldest first */
  private readonly liveEspSas: ResponderEspSa[] = [];
  /** ESP SPIs and IKE SA the engine deleted (RFC 2408 3.15) */
  readonly deletedEspSpis: number[] = [];
  ikeSaDeleted = false;
  /** the second NAT-D of aggressive-mode message 3 was not the hash of where the packet came
   * from: a NAT, or the initiator forcing encapsulation (RFC 3947 3.2) */
  initiatorBehindNat: boolean | undefined;
  /** after a re-authentication: the engine deleted the IKE SA it replaced */
  previousIkeSaDeleted = false;
  /** IKE SAs the engine set up: more than one after a re-authentication */
  ikeSaCount = 0;
  xauthAccepted = false;
  /** what the engine answered in each XAuth round, by field */
  readonly xauthAnswers: Partial<Record<XauthField, string>>[] = [];
  /** the attributes of the engine's CFG_ACK to our XAUTH_STATUS (draft 6.2) */
  xauthStatusAck: DataAttribute[] | undefined;
  /** CFG_REQUESTs for Mode Config the engine sent */
  modeConfigRequests = 0;
  /** the attributes of the engine's CFG_ACK to our pushed SET (3.4) */
  modeConfigAck: DataAttribute[] | undefined;
  /** the engine answered our R-U-THERE (RFC 3706 5.3) */
  dpdAcknowledged = false;
  private readonly sent: Buffer[] = [];
  /** answers by request digest; no packet: a request left unanswered (silenceDropped) */
  private readonly answers = new Map<string, { packet?: Buffer; leg: IkeLeg }>();
  /** digests of the engine's messages taken in: a repeat is a retransmission, not news */
  private readonly received = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private responderCookie = randomBytes(8);
  /** the IKE SA a re-authentication replaced: the engine still deletes through it */
  private previous: { sa: ResponderIkeSa; responderCookie: Buffer } | undefined;
  private initiatorCookie = Buffer.alloc(8);
  private sa: ResponderIkeSa | undefined;
  /** HASH_I we expect in message 3 */
  private expectedHashI: Buffer = Buffer.alloc(0);
  private mainMode: MainModeState | undefined;
  /** the IKE SA's hash: NAT-D is computed with it (RFC 3947 3.2) */
  private phase1Hash: HashName = 'sha1';
  /** the identity the engine sent in main mode message 5 */
  mainModeId: IdBody | undefined;
  private leg: IkeLeg = 'ike';
  private xauthRequestId = 0;
  private xauthStatusId = 0;
  /** the XAuth round being played, an index into xauthRounds */
  private xauthRound = 0;
  private modeConfigSetId = 0;
  private quickMode: PendingQuickMode | undefined;
  private gatewayQuickMode: GatewayQuickMode | undefined;
  /** the transform the engine chose first: the gateway's own Quick Mode offers it again */
  private espTransform: TransformBody | undefined;
  private dpdSequence = 0;
  private stopped = false;

  constructor(
    private readonly options: ResponderOptions,
    private readonly channel: FakeChannel,
    private readonly gateway: { address: string; port: number },
  ) {}

  stop(): void {
    this.stopped = true;
    this.cancelRetransmit();
  }

  /** A datagram from the engine. */
  receive(packet: Buffer, leg: IkeLeg): void {
    if (this.stopped) return;
    const digest = digestOf(packet);
    const cached = this.answers.get(digest);
    if (cached) {
      if (cached.packet) this.transmit(cached.packet, cached.leg);
      return;
    }
    // The engine answered a retransmission of our request that crossed its answer: the same
    // answer again, which our IV chain for that message ID has moved past. strongSwan drops
    // it too ("received retransmit of response ..., but next request already sent").
    if (this.received.has(digest)) return;
    try {
      this.handle(decodeHeader(packet), leg);
      this.received.add(digest);
    } catch (error) {
      this.problems.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  }

  private handle(message: RawMessage, leg: IkeLeg): void {
    const { exchangeType, flags } = message.header;
    const encrypted = (flags & HeaderFlag.Encryption) !== 0;
    // a new IKE SA: the first one, or a re-authentication
    const fresh = message.header.responderCookie.equals(Buffer.alloc(8));
    if (exchangeType === ExchangeType.Aggressive && !encrypted) {
      if (fresh) this.aggressive1(message, leg);
      return;
    }
    if (exchangeType === ExchangeType.IdentityProtection && fresh) return this.main1(message);
    // main mode message 3 comes before the new IKE SA has keys
    if (
      exchangeType === ExchangeType.IdentityProtection &&
      !encrypted &&
      message.header.responderCookie.equals(this.responderCookie)
    )
      return this.main3(message, leg);
    const previous = this.previous;
    if (
      previous &&
      exchangeType === ExchangeType.Informational &&
      message.header.responderCookie.equals(previous.responderCookie)
    )
      return this.informational(message, previous.sa);
    if (!this.sa || !message.header.responderCookie.equals(this.responderCookie)) {
      throw new Error(`unexpected exchange ${exchangeType} (flags ${flags})`);
    }
    if (exchangeType === ExchangeType.Aggressive) return this.aggressive3(message, leg);
    if (exchangeType === ExchangeType.IdentityProtection) return this.main5(message, leg);
    if (exchangeType === ExchangeType.Transaction) return this.transaction(message);
    if (exchangeType === ExchangeType.QuickMode) return this.quickModeMessage(message);
    if (exchangeType === ExchangeType.Informational) return this.informational(message, this.sa);
    throw new Error(`unexpected exchange type ${exchangeType}`);
  }

  /** RFC 2409 5.4 message 1 in, message 2 out. */
  private aggressive1(message: RawMessage, leg: IkeLeg): void {
    this.beginIkeSa(message);
    const { payloads } = decodePayloadChain(message.header.firstPayload, message.body);
    const saI = requirePayload(payloads, PayloadType.SA, 'message 1');
    const choice = choose(saI.body);
    const dh = createKeyExchange(choice.group);
    const keI = requirePayload(payloads, PayloadType.KeyExchange, 'message 1').body.data;
    const nonceI = requirePayload(payloads, PayloadType.Nonce, 'message 1').body.data;
    const idIBody = requirePayload(payloads, PayloadType.Identification, 'message 1').bodyBytes;
    const nonceR = randomBytes(32);
    const auth = this.deriveIkeSa(choice, saI.bodyBytes, keI, nonceI, nonceR, dh);
    this.expectedHashI = hashI(auth, idIBody);
    const idR = this.gatewayId();
    const header = {
      initiatorCookie: this.initiatorCookie,
      responderCookie: this.responderCookie,
      exchangeType: ExchangeType.Aggressive,
      flags: 0,
      messageId: 0,
    };
    this.reply(
      message,
      'am2',
      0,
      [
        { type: PayloadType.SA, body: chosen(saI.body, this.withIkeLifetime(choice.transform)) },
        { type: PayloadType.KeyExchange, body: { data: dh.publicValue } },
        { type: PayloadType.Nonce, body: { data: nonceR } },
        { type: PayloadType.Identification, body: idR },
        ...gatewayVendorIds(this.natT.key),
        ...this.natD(choice.hash, leg),
        ...responderProof(
          this.options.certificates,
          hashR(auth, encodePayloadBody(PayloadType.Identification, idR)),
        ),
      ],
      (_sa, payloads) => encodeMessage(header, payloads),
    );
  }

  /** RFC 2409 5 main mode, message 1 in (SA), message 2 out (the chosen transform). */
  private main1(message: RawMessage): void {
    this.beginIkeSa(message);
    const { payloads } = decodePayloadChain(message.header.firstPayload, message.body);
    const saI = requirePayload(payloads, PayloadType.SA, 'main mode message 1');
    const choice = choose(saI.body);
    this.mainMode = { choice, saIBody: saI.bodyBytes };
    this.reply(
      message,
      'mm2',
      0,
      [
        { type: PayloadType.SA, body: chosen(saI.body, this.withIkeLifetime(choice.transform)) },
        ...gatewayVendorIds(this.natT.key),
      ],
      (_sa, payloads) => encodeMessage(this.mainModeHeader(0), payloads),
    );
  }

  /** Message 3 in (KE, Ni, NAT-D), message 4 out (KE, Nr, NAT-D): the keys exist from here. */
  private main3(message: RawMessage, leg: IkeLeg): void {
    const { choice, saIBody } = this.mainMode as MainModeState;
    const { payloads } = decodePayloadChain(message.header.firstPayload, message.body);
    const keI = requirePayload(payloads, PayloadType.KeyExchange, 'main mode message 3').body;
    const nonceI = requirePayload(payloads, PayloadType.Nonce, 'main mode message 3').body;
    this.checkNatD(payloads, leg, choice.hash);
    const dh = createKeyExchange(choice.group);
    const nonceR = randomBytes(32);
    const auth = this.deriveIkeSa(choice, saIBody, keI.data, nonceI.data, nonceR, dh);
    this.mainMode = { choice, saIBody, auth };
    this.reply(
      message,
      'mm4',
      0,
      [
        { type: PayloadType.KeyExchange, body: { data: dh.publicValue } },
        { type: PayloadType.Nonce, body: { data: nonceR } },
        ...this.natD(choice.hash, leg),
      ],
      (_sa, payloads) => encodeMessage(this.mainModeHeader(0), payloads),
    );
  }

  /** Message 5 in (IDii, HASH_I, encrypted), message 6 out (IDir, HASH_R); then XAuth. */
  private main5(message: RawMessage, leg: IkeLeg): void {
    const { auth } = this.mainMode as MainModeState;
    if (!auth) throw new Error('main mode message 5 before message 3');
    const payloads = this.openPhase1(message, (payloads) => {
      const idI = requirePayload(payloads, PayloadType.Identification, 'main mode message 5');
      return hashI(auth, idI.bodyBytes);
    });
    this.mainModeId = requirePayload(payloads, PayloadType.Identification, 'message 5').body;
    this.leg = leg; // RFC 3947 4: the initiator floated; we answer where it talks now
    const idR = this.gatewayId();
    this.reply(
      message,
      'mm6',
      0,
      [
        { type: PayloadType.Identification, body: idR },
        ...responderProof(
          this.options.certificates,
          hashR(auth, encodePayloadBody(PayloadType.Identification, idR)),
        ),
      ],
      (sa, payloads) => {
        const chain = encodePayloadChain(payloads);
        const ciphertext = sa.encrypt(0, chain.bytes);
        const header = {
          ...this.mainModeHeader(HeaderFlag.Encryption),
          firstPayload: chain.firstPayload,
        };
        return Buffer.concat([encodeHeader(header, ciphertext.length), ciphertext]);
      },
    );
    this.askXauth();
  }

  private mainModeHeader(flags: number) {
    return {
      initiatorCookie: this.initiatorCookie,
      responderCookie: this.responderCookie,
      exchangeType: ExchangeType.IdentityProtection,
      flags,
      messageId: 0,
    };
  }

  /** A new IKE SA: the first one, or a re-authentication (the old one kept for its DELETE). */
  private beginIkeSa(message: RawMessage): void {
    if (this.sa) {
      this.previous = { sa: this.sa, responderCookie: this.responderCookie };
      this.responderCookie = randomBytes(8);
    }
    this.ikeSaCount++;
    this.initiatorCookie = Buffer.from(message.header.initiatorCookie);
  }

  /** SKEYID and its children from our side of RFC 2409 5 (the PSK this gateway has); the IKE SA
   * with its IV chains (appendix B). Returns what HASH_I and HASH_R are computed from. */
  private deriveIkeSa(
    choice: Choice,
    saIBody: Buffer,
    keI: Buffer,
    nonceI: Buffer,
    nonceR: Buffer,
    dh: ReturnType<typeof createKeyExchange>,
  ): Phase1AuthMaterial {
    const { cipher, hash } = choice;
    this.phase1Hash = hash;
    const prf = createPrf(hash);
    const material = {
      prf,
      nonceI,
      nonceR,
      sharedSecret: dh.computeShared(keI),
      initiatorCookie: this.initiatorCookie,
      responderCookie: this.responderCookie,
    };
    const keys = this.options.certificates
      ? deriveSignaturePhase1Keys(material)
      : derivePskPhase1Keys({ ...material, psk: Buffer.from(this.options.psk) });
    const key = phase1EncryptionKey(prf, keys.skeyidE, ikeCipherKeyLength(cipher));
    this.secrets.push(keys.skeyid, keys.skeyidD, keys.skeyidA, keys.skeyidE, key);
    this.sa = new ResponderIkeSa(
      this.initiatorCookie,
      this.responderCookie,
      keys.skeyidD,
      keys.skeyidA,
      prf,
      { cipher, key, hash, initiatorPublic: keI, responderPublic: dh.publicValue },
    );
    // as strongSwan: an ECDSA method's SHA-2 is HASH_I / HASH_R's prf (crypto/signature.ts)
    const ecdsa = this.options.certificates && ecdsaMethod(this.options.certificates.key);
    return {
      prf: ecdsa ? createPrf(ecdsa.hash) : prf,
      skeyid: keys.skeyid,
      initiatorPublic: keI,
      responderPublic: dh.publicValue,
      initiatorCookie: this.initiatorCookie,
      responderCookie: this.responderCookie,
      saIBody,
    };
  }

  /** RFC 2407 4.6.2.1: the gateway names itself by its address, as strongSwan does. */
  private gatewayId() {
    return {
      idType: IdType.Ipv4Addr,
      protocolId: 17,
      port: GATEWAY_ID_PORT,
      data: ipv4Bytes(this.gateway.address),
    };
  }

  /** RFC 3947 3.2: the hash of the initiator's address as we see it, then our own, with the
   * ports of the leg the message goes over. */
  private natD(hash: HashName, leg: IkeLeg = 'ike'): OutgoingPayload[] {
    const natD = (address: string, port: number) =>
      natDiscoveryHash(hash, this.initiatorCookie, this.responderCookie, address, port);
    const type = this.natT.natD;
    const ports = this.portsOn(leg);
    return [
      { type, body: { data: natD(this.channel.localAddress, ports.local) } },
      { type, body: { data: natD(this.gateway.address, ports.gateway) } },
    ];
  }

  /** The ports a message travels between on `leg`: IKE's, or NAT-T's (RFC 3947 4). */
  private portsOn(leg: IkeLeg): { local: number; gateway: number } {
    return leg === 'natt'
      ? { local: this.channel.localNattPort, gateway: this.channel.options.gatewayNattPort ?? 4500 }
      : { local: this.channel.localPort, gateway: this.gateway.port };
  }

  private get natT() {
    const key = this.options.natT ?? 'rfc3947';
    return { key, ...NAT_T_VERSIONS[key] };
  }

  /** RFC 3947 3.2: the initiator's NAT-D payloads are of our NAT-T version's type, the first
   * the hash of where the packet went (our NAT-T port once the initiator floated). The second
   * may not match (forced encapsulation): recorded as initiatorBehindNat. */
  private checkNatD(payloads: ReceivedPayload[], leg: IkeLeg, hash: HashName): void {
    const natD = payloads.filter(
      (p) => p.type === PayloadType.NatD || p.type === PayloadType.NatDDraft,
    );
    if (natD.length !== 2 || natD.some((p) => p.type !== this.natT.natD))
      this.problems.push(
        `NAT-D payloads ${natD.map((p) => p.type).join(', ')}, not two of type ${this.natT.natD}`,
      );
    const { local, gateway: port } = this.portsOn(leg);
    const hashOf = (address: string, at: number) =>
      natDiscoveryHash(hash, this.initiatorCookie, this.responderCookie, address, at);
    const [first, second] = natD.map((p) => ('data' in p.body ? p.body.data : Buffer.alloc(0)));
    if (!first?.equals(hashOf(this.gateway.address, port)))
      this.problems.push(
        `the first NAT-D is not the hash of ${this.gateway.address}:${port}, where the message went`,
      );
    this.initiatorBehindNat = !second?.equals(hashOf(this.channel.localAddress, local));
  }

  /** An encrypted phase 1 message (aggressive 3, main 5): its HASH_I checked before the IV
   * chain moves. */
  private openPhase1(
    message: RawMessage,
    expectedHashI: (payloads: ReceivedPayload[]) => Buffer,
  ): ReceivedPayload[] {
    const sa = this.sa as ResponderIkeSa;
    if (!(message.header.flags & HeaderFlag.Encryption)) {
      throw new Error('phase 1 in clear: the initiator refused our HASH_R');
    }
    const decrypted = sa.decrypt(0, message.body);
    const { payloads } = decodePayloadChain(message.header.firstPayload, decrypted.plaintext);
    if (!initiatorProofVerifies(this.options.certificates, payloads, expectedHashI(payloads)))
      throw new Error('HASH_I mismatch');
    decrypted.commit();
    return payloads;
  }

  /** The transform with the gateway's IKE SA lifetime, when it has one (RFC 2409 4.5: the
   * responder may answer with a shorter one; the engine re-authenticates before it ends). */
  private withIkeLifetime(transform: TransformBody): TransformBody {
    const seconds = this.options.firstIkeLifetimeSeconds;
    if (seconds === undefined || this.ikeSaCount > 1) return transform;
    return {
      ...transform,
      attributes: transform.attributes.map((attr) =>
        attr.type === Phase1Attr.LifeDuration ? tv(Phase1Attr.LifeDuration, seconds) : attr,
      ),
    };
  }

  /** Message 3: HASH_I proves the engine knows the key; then XAuth begins. */
  private aggressive3(message: RawMessage, leg: IkeLeg): void {
    const payloads = this.openPhase1(message, () => this.expectedHashI);
    this.checkNatD(payloads, leg, this.phase1Hash);
    this.leg = leg; // RFC 3947 4: the initiator floated; we answer where it talks now
    this.askXauth();
  }

  private get xauthRounds(): XauthRound[] {
    const { options } = this;
    return options.xauthRounds ?? [passwordRound(options.username, options.password)];
  }

  private askXauth(): void {
    if (this.options.certificates?.xauth === false) {
      this.xauthAccepted = true;
      return;
    }
    this.xauthRound = 0;
    this.xauthAccepted = false;
    this.askXauthRound();
  }

  private askXauthRound(): void {
    const round = this.xauthRounds[this.xauthRound] as XauthRound;
    this.xauthRequestId = randomInt(1, 0xffffffff);
    this.request(
      'xauth-request',
      this.xauthRequestId,
      [attributePayload(CfgType.Request, randomInt(1, 0xffff), xauthRoundAttributes(round))],
      transactionBuild(this.xauthRequestId),
    );
  }

  /** draft-ietf-ipsec-isakmp-xauth-06 6.2: after the last round (or a wrong answer), the
   * verdict in XAUTH_STATUS. */
  private xauthReply(attributes: DataAttribute[]): void {
    const round = this.xauthRounds[this.xauthRound] as XauthRound;
    const { answers, accepted } = xauthAnswers(round, attributes);
    this.xauthAnswers.push(answers);
    if (accepted && this.xauthRound + 1 < this.xauthRounds.length) {
      this.xauthRound++;
      this.askXauthRound();
      return;
    }
    this.xauthAccepted = accepted;
    this.xauthStatusId = randomInt(1, 0xffffffff);
    this.request(
      'xauth-status',
      this.xauthStatusId,
      [
        attributePayload(CfgType.Set, randomInt(1, 0xffff), [
          tv(XauthAttr.Status, accepted ? XauthStatus.Ok : XauthStatus.Fail),
        ]),
      ],
      transactionBuild(this.xauthStatusId),
    );
  }

  private transaction(message: RawMessage): void {
    const sa = this.sa as ResponderIkeSa;
    const { messageId } = message.header;
    const body = openTransaction(sa, message);
    const style = this.options.modeConfig ?? 'pull';
    if (body.cfgType === CfgType.Reply && messageId === this.xauthRequestId) {
      this.cancelRetransmit();
      this.xauthReply(body.attributes);
      return;
    }
    if (body.cfgType === CfgType.Ack && messageId === this.xauthStatusId) {
      this.cancelRetransmit();
      this.xauthStatusAck = body.attributes;
      if (this.xauthAccepted && style === 'push') this.pushModeConfig();
      return;
    }
    if (body.cfgType === CfgType.Ack && messageId === this.modeConfigSetId) {
      this.cancelRetransmit();
      this.modeConfigAck = body.attributes;
      return;
    }
    if (body.cfgType === CfgType.Request && this.xauthAccepted) {
      this.modeConfigRequests++;
      if (style === 'push') return; // a gateway that only pushes does not answer
      this.reply(
        message,
        'modecfg-reply',
        messageId,
        [attributePayload(CfgType.Reply, body.identifier, modeConfigAttributes(this.options))],
        transactionBuild(messageId),
      );
      if (style === 'push-after-pull') this.pushModeConfig();
      return;
    }
    throw new Error(`unexpected transaction (type ${body.cfgType}, message ID ${messageId})`);
  }

  /** draft-dukes-ike-mode-cfg 3.2: the gateway sets our configuration in an exchange of its own. */
  private pushModeConfig(): void {
    this.modeConfigSetId = randomInt(1, 0xffffffff);
    this.request(
      'modecfg-set',
      this.modeConfigSetId,
      [
        attributePayload(
          CfgType.Set,
          randomInt(1, 0xffff),
          modeConfigAttributes({ ...this.options, ...this.options.pushedChanges }),
        ),
      ],
      transactionBuild(this.modeConfigSetId),
    );
  }

  private quickModeMessage(message: RawMessage): void {
    const pending = this.quickMode;
    if (pending && message.header.messageId === pending.messageId)
      return this.quickMode3(message, pending);
    const ours = this.gatewayQuickMode;
    if (ours && message.header.messageId === ours.messageId)
      return this.gatewayQuickMode2(message, ours);
    this.quickMode1(message);
  }

  /** RFC 2409 5.5: HASH(1), SA, Ni [, KE], IDci, IDcr in; HASH(2), SA, Nr [, KE], IDs out. */
  private quickMode1(message: RawMessage): void {
    const sa = this.sa as ResponderIkeSa;
    const { messageId } = message.header;
    const payloads = openProtected(sa, message, hashOverMessage(messageId));
    const saI = requirePayload(payloads, PayloadType.SA, 'Quick Mode 1').body;
    const proposal = saI.proposals[0];
    const transform = proposal?.transforms[0];
    if (!proposal || !transform) throw new Error('Quick Mode 1 offers no transform');
    const nonceI = requirePayload(payloads, PayloadType.Nonce, 'Quick Mode 1').body.data;
    const mode = numberOf(transform.attributes, Phase2Attr.EncapsulationMode);
    if (mode !== this.natT.tunnelMode)
      this.problems.push(
        `Quick Mode asks for encapsulation mode ${mode}, not ${this.natT.tunnelMode}`,
      );
    const keI = findPayload(payloads, PayloadType.KeyExchange)?.body.data;
    const group = numberOf(transform.attributes, Phase2Attr.GroupDescription);
    const dh = keI && group ? createKeyExchange(group) : undefined;
    const pending: PendingQuickMode = {
      messageId,
      nonceI,
      nonceR: randomBytes(32),
      spiI: proposal.spi,
      spiR: Buffer.from([0xc0, ...randomBytes(3)]),
      sharedSecret: dh && keI ? dh.computeShared(keI) : undefined,
      transform,
    };
    this.quickMode = pending;
    this.espTransform ??= transform;
    this.reply(
      message,
      this.espSas.length ? 'rekey-qm2' : 'qm2',
      messageId,
      [
        { type: PayloadType.SA, body: chosen(saI, transform, pending.spiR) },
        { type: PayloadType.Nonce, body: { data: pending.nonceR } },
        ...(dh
          ? [{ type: PayloadType.KeyExchange, body: { data: dh.publicValue } } as OutgoingPayload]
          : []),
        ...findPayloads(payloads, PayloadType.Identification).map((id): OutgoingPayload => ({
          type: PayloadType.Identification,
          body: id.body,
        })),
      ],
      (s, payloads) =>
        sealProtected(s, ExchangeType.QuickMode, messageId, payloads, (_s, rest) =>
          quickModeHash2(s.prf, s.skeyidA, messageId, nonceI, rest),
        ),
    );
  }

  /** HASH(3) in: the ESP SA pair is up on our side. */
  private quickMode3(message: RawMessage, pending: PendingQuickMode): void {
    const sa = this.sa as ResponderIkeSa;
    openProtected(sa, message, (s) =>
      quickModeHash3(s.prf, s.skeyidA, pending.messageId, pending.nonceI, pending.nonceR),
    );
    this.quickMode = undefined;
    this.addEspSa({ ...pending, inboundSpi: pending.spiR, outboundSpi: pending.spiI });
    // the first tunnel is up: the gateway checks that the engine is alive
    if (this.espSas.length === 1) this.askDpd(sa);
  }

  /** RFC 2409 5.5 as the initiator (the gateway rekeys): HASH(1), SA, Ni [, KE], IDci, IDcr
   * with IDci the gateway's side (everything) and IDcr the engine's virtual IP. */
  startQuickMode(): void {
    const transform = this.espTransform;
    if (!transform) throw new Error('no ESP SA to rekey');
    const messageId = randomInt(1, 0xffffffff);
    const group = numberOf(transform.attributes, Phase2Attr.GroupDescription);
    const ours: GatewayQuickMode = {
      messageId,
      nonceI: randomBytes(32),
      spiI: allocateSpi(),
      keyExchange: group ? createKeyExchange(group) : undefined,
      transform,
    };
    this.gatewayQuickMode = ours;
    const offer: SaBody = {
      doi: DOI_IPSEC,
      situation: SIT_IDENTITY_ONLY,
      proposals: [
        { number: 1, protocolId: ProtocolId.Esp, spi: ours.spiI, transforms: [transform] },
      ],
    };
    this.request(
      'gateway-qm1',
      messageId,
      [
        { type: PayloadType.SA, body: offer },
        { type: PayloadType.Nonce, body: { data: ours.nonceI } },
        ...(ours.keyExchange
          ? [
              {
                type: PayloadType.KeyExchange,
                body: { data: ours.keyExchange.publicValue },
              } as OutgoingPayload,
            ]
          : []),
        { type: PayloadType.Identification, body: selectorId({ address: '0.0.0.0', prefix: 0 }) },
        {
          type: PayloadType.Identification,
          body: selectorId({ address: this.options.virtualIp, prefix: 32 }),
        },
      ],
      (s, payloads) =>
        sealProtected(s, ExchangeType.QuickMode, messageId, payloads, hashOverMessage(messageId)),
    );
  }

  /** HASH(2) in, HASH(3) out: the ESP SA pair the gateway started is up on its side. */
  private gatewayQuickMode2(message: RawMessage, ours: GatewayQuickMode): void {
    const sa = this.sa as ResponderIkeSa;
    const { messageId, nonceI } = ours;
    const payloads = openProtected(sa, message, (s, rest) =>
      quickModeHash2(s.prf, s.skeyidA, messageId, nonceI, rest),
    );
    this.cancelRetransmit();
    this.gatewayQuickMode = undefined;
    const proposal = requirePayload(payloads, PayloadType.SA, 'Quick Mode 2').body.proposals[0];
    const transform = proposal?.transforms[0];
    if (!proposal || !transform) throw new Error('Quick Mode 2 chose no transform');
    const nonceR = requirePayload(payloads, PayloadType.Nonce, 'Quick Mode 2').body.data;
    const keR = findPayload(payloads, PayloadType.KeyExchange)?.body.data;
    if (ours.keyExchange && !keR) throw new Error('Quick Mode 2 answers PFS without KE');
    this.reply(message, 'gateway-qm3', messageId, [], (s, rest) =>
      sealProtected(s, ExchangeType.QuickMode, messageId, rest, (s2) =>
        quickModeHash3(s2.prf, s2.skeyidA, messageId, nonceI, nonceR),
      ),
    );
    this.addEspSa({
      transform,
      nonceI,
      nonceR,
      sharedSecret: ours.keyExchange && keR ? ours.keyExchange.computeShared(keR) : undefined,
      inboundSpi: ours.spiI,
      outboundSpi: proposal.spi,
    });
  }

  /** RFC 2408 3.15: the gateway deletes its oldest ESP SA, named by the SPI it receives on.
   * True when that was its last one (the engine must negotiate a new one). */
  deleteOldestEspSa(): boolean {
    const oldest = this.liveEspSas.shift();
    if (!oldest) return false;
    const messageId = randomInt(1, 0xffffffff);
    this.emitStep('gateway-delete', messageId, [deleteEspSa(oldest.inbound.spi)], (s, payloads) =>
      sealProtected(s, ExchangeType.Informational, messageId, payloads, hashOverMessage(messageId)),
    );
    return this.liveEspSas.length === 0;
  }

  /** The ESP SA pair of a finished Quick Mode, either role, from the gateway's KEYMAT. */
  private addEspSa(material: {
    transform: TransformBody;
    nonceI: Buffer;
    nonceR: Buffer;
    sharedSecret: Buffer | undefined;
    inboundSpi: Buffer;
    outboundSpi: Buffer;
  }): void {
    const sa = this.sa as ResponderIkeSa;
    const { transform } = material;
    const encryption = ESP_ENCRYPTION[transform.transformId];
    const integrity =
      ESP_INTEGRITY[numberOf(transform.attributes, Phase2Attr.AuthenticationAlgorithm) ?? -1] ??
      'none';
    if (!encryption) throw new Error(`unknown ESP transform ${transform.transformId}`);
    const keyBits =
      encryption === '3des-cbc'
        ? 192
        : (numberOf(transform.attributes, Phase2Attr.KeyLength) ?? 128);
    const keys = (spi: Buffer) =>
      espDirectionKeys({
        prf: sa.prf,
        skeyidD: sa.skeyidD,
        sharedSecret: material.sharedSecret,
        protocol: ProtocolId.Esp,
        spi,
        nonceI: material.nonceI,
        nonceR: material.nonceR,
        encryption,
        keyBits,
        integrity,
      });
    const espSa = {
      encryption,
      keyBits,
      integrity,
      inbound: keys(material.inboundSpi),
      outbound: keys(material.outboundSpi),
    };
    for (const direction of [espSa.inbound, espSa.outbound])
      this.secrets.push(direction.encryptionKey, direction.integrityKey);
    this.espSas.push(espSa);
    this.liveEspSas.push(espSa);
  }

  /** RFC 3706 5: once the tunnel is up, the gateway asks whether we are alive. */
  private askDpd(sa: IkeSa): void {
    this.dpdSequence = randomInt(1, 0x7fffffff);
    const messageId = randomInt(1, 0xffffffff);
    this.request(
      'dpd',
      messageId,
      [dpdNotification(sa, NotifyType.DpdRUThere, this.dpdSequence)],
      (s, payloads) =>
        sealProtected(
          s,
          ExchangeType.Informational,
          messageId,
          payloads,
          hashOverMessage(messageId),
        ),
    );
  }

  private answerDpd(sa: IkeSa, sequence: number): void {
    const messageId = randomInt(1, 0xffffffff);
    const payloads = [dpdNotification(sa, NotifyType.DpdRUThereAck, sequence)];
    this.transmit(
      sealProtected(
        sa,
        ExchangeType.Informational,
        messageId,
        payloads,
        hashOverMessage(messageId),
      ),
      this.leg,
    );
  }

  /** No request of ours is waiting for the engine's answer. */
  get idle(): boolean {
    return this.timers.size === 0;
  }

  private informational(message: RawMessage, sa: ResponderIkeSa): void {
    const content = openInformational(sa, message);
    for (const notification of content.notifications) {
      const acknowledged =
        notification.notifyType === NotifyType.DpdRUThereAck &&
        notification.data.length === 4 &&
        notification.data.readUInt32BE(0) === this.dpdSequence;
      if (acknowledged) {
        this.dpdAcknowledged = true;
        this.cancelRetransmit();
      }
      // RFC 3706 5.3: a live gateway answers the engine's R-U-THERE
      if (notification.notifyType === NotifyType.DpdRUThere && notification.data.length === 4)
        this.answerDpd(sa, notification.data.readUInt32BE(0));
    }
    for (const deletion of content.deletes) {
      if (deletion.protocolId === ProtocolId.Isakmp) {
        if (sa === this.sa) this.ikeSaDeleted = true;
        else this.previousIkeSaDeleted = true;
      }
      if (deletion.protocolId === ProtocolId.Esp)
        this.deletedEspSpis.push(...deletion.spis.map((spi) => spi.readUInt32BE(0)));
    }
  }

  /** An answer to the engine's request: remembered, so its retransmission gets it again. */
  private reply(
    request: RawMessage,
    step: ResponderStep,
    messageId: number,
    payloads: OutgoingPayload[],
    build: Build,
  ): void {
    const { message, sentNothing } = this.emitStep(step, messageId, payloads, build);
    const silence = sentNothing && this.options.silenceDropped === true;
    this.answers.set(
      digestOf(request.bytes),
      silence ? { leg: this.leg } : { packet: message, leg: this.leg },
    );
  }

  /** A request of ours: retransmitted until the engine answers (cancelRetransmit). */
  private request(
    step: ResponderStep,
    messageId: number,
    payloads: OutgoingPayload[],
    build: Build,
  ): void {
    this.cancelRetransmit();
    const { message } = this.emitStep(step, messageId, payloads, build);
    const { intervalMs, tries } = this.options.retransmit ?? { intervalMs: 5, tries: 16 };
    let left = tries - 1;
    const again = () => {
      if (left-- <= 0) return;
      this.transmit(message, this.leg);
      schedule();
    };
    const schedule = () => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        again();
      }, intervalMs);
      this.timers.add(timer);
    };
    schedule();
  }

  private cancelRetransmit(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Builds a step's correct message, lets the script decide what goes out, returns it and
   * whether the script sent nothing at all. */
  private emitStep(
    step: ResponderStep,
    messageId: number,
    payloads: OutgoingPayload[],
    build: Build,
  ): { message: Buffer; sentNothing: boolean } {
    // cleartext steps come before the keys (main mode's first ones, before any IKE SA): their
    // builds use no SA
    const sa = this.sa;
    const before = sa?.chainLength;
    const message = build(sa as ResponderIkeSa, payloads);
    this.sent.push(message);
    const tools: ResponderTools = {
      sent: [...this.sent],
      messageId,
      payloads,
      reseal: (other) => build(sa?.twin(before) as IkeSa, other),
      initiatorCookie: this.initiatorCookie,
      responderCookie: this.responderCookie,
      ...(sa && !CLEARTEXT_STEPS.includes(step)
        ? {
            seal: (exchangeType: number, id: number, payloads: OutgoingPayload[]) =>
              sealProtected(sa.twin(), exchangeType, id, payloads, hashOverMessage(id)),
          }
        : {}),
    };
    const out = this.options.tamper?.(step, message, tools) ?? [{ packet: message }];
    for (const { packet, leg, afterTurns } of out)
      this.transmit(packet, leg ?? this.leg, afterTurns);
    return { message, sentNothing: out.length === 0 };
  }

  /** Delivered on a later turn of the event loop, as from a socket. */
  private transmit(packet: Buffer, leg: IkeLeg, afterTurns = 0): void {
    setImmediate(() => {
      if (this.stopped) return;
      if (afterTurns > 0) return this.transmit(packet, leg, afterTurns - 1);
      this.channel.inboundAt = Date.now();
      this.channel.deliver(packet, leg);
    });
  }
}
