// The Quick Mode responder (gateway-initiated rekey) against a gateway built from the same
// formulas on its own IV chain: what it accepts, what it refuses and with which notification,
// and that both ends derive the same ESP keys.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  IkeCrypter,
  createKeyExchange,
  createPrf,
  espDirectionKeys,
  quickModeHash2,
  quickModeHash3,
} from '../../app/engine/crypto/index.js';
import { openInformational } from '../../app/engine/exchanges/informational.js';
import { selectorId } from '../../app/engine/exchanges/quick-mode-parts.js';
import {
  type QuickModeResponderPolicy,
  answerQuickMode,
} from '../../app/engine/exchanges/quick-mode-responder.js';
import type { IkeSa } from '../../app/engine/ike-sa.js';
import { UnauthenticatedError } from '../../app/engine/unauthenticated.js';
import {
  hashOverMessage,
  openProtected,
  sealProtected,
} from '../../app/engine/protected-message.js';
import { espAttributes, espTransformId, parseEspProposal } from '../../app/engine/proposals.js';
import {
  DOI_IPSEC,
  EncapsulationMode,
  ExchangeType,
  NotifyType,
  PayloadType,
  ProtocolId,
  SIT_IDENTITY_ONLY,
} from '../../app/engine/wire/constants.js';
import { decodeHeader, findPayload, requirePayload } from '../../app/engine/wire/message.js';
import type { OutgoingPayload, ReceivedPayload } from '../../app/engine/wire/payloads.js';
import type { Ipv4Net } from '../../app/shared/net.js';
import { recordingMessenger } from './recording-channel.js';

const VIRTUAL_IP: Ipv4Net = { address: '198.19.99.1', prefix: 32 };
const LAN: Ipv4Net = { address: '198.19.77.0', prefix: 24 };

/** Two views of one IKE SA with separate IV chains, as client and gateway would hold it. */
function ikeSaPair(): { client: IkeSa; gateway: IkeSa } {
  const prf = createPrf('sha256');
  const material = {
    cipher: { name: 'aes' as const, keyBits: 128 },
    key: randomBytes(16),
    hash: 'sha256' as const,
    initiatorPublic: randomBytes(256),
    responderPublic: randomBytes(256),
  };
  const keys = {
    initiatorCookie: randomBytes(8),
    responderCookie: randomBytes(8),
    skeyidD: randomBytes(32),
    skeyidA: randomBytes(32),
  };
  const view = (crypter: IkeCrypter): IkeSa => ({
    ...keys,
    prf,
    encrypt: (id, plaintext) => crypter.encrypt(id, plaintext),
    decrypt: (id, ciphertext) => crypter.decrypt(id, ciphertext),
  });
  return { client: view(new IkeCrypter(material)), gateway: view(new IkeCrypter(material)) };
}

interface Offer {
  esp: string[];
  pfsGroup?: number;
  idci?: Ipv4Net;
  idcr?: Ipv4Net;
}

function setup(policy: Partial<QuickModeResponderPolicy> = {}) {
  const { client, gateway } = ikeSaPair();
  const { messenger, ...wire } = recordingMessenger({ initialMs: 50, tries: 3 });
  let nextId = 1000;
  const answer = (request: Buffer) =>
    answerQuickMode(
      decodeHeader(request),
      {
        proposals: ['aes256gcm16', 'aes128-sha1'].map(parseEspProposal),
        encapsulationMode: EncapsulationMode.UdpTunnel,
        lifetime: { seconds: 3600 },
        pfsGroup: undefined,
        selectors: [{ local: VIRTUAL_IP, remote: LAN }],
        replayWindow: 1024,
        saId: 'sa2',
        ...policy,
      },
      {
        sa: client,
        messenger,
        newMessageId: () => nextId++,
      },
    );
  return { client, gateway, wire, answer };
}

/** The gateway's message 1: every offered transform in its own proposal, as strongSwan does. */
function gatewayQm1(gateway: IkeSa, messageId: number, offer: Offer) {
  const nonceI = randomBytes(32);
  const gatewaySpi = randomBytes(4);
  const pfs = offer.pfsGroup ? createKeyExchange(offer.pfsGroup) : undefined;
  const payloads: OutgoingPayload[] = [
    {
      type: PayloadType.SA,
      body: {
        doi: DOI_IPSEC,
        situation: SIT_IDENTITY_ONLY,
        proposals: offer.esp.map((text, index) => {
          const p = parseEspProposal(text);
          return {
            number: index + 1,
            protocolId: ProtocolId.Esp,
            spi: gatewaySpi,
            transforms: [
              {
                number: 1,
                transformId: espTransformId(p),
                attributes: espAttributes(
                  p,
                  EncapsulationMode.UdpTunnel,
                  { seconds: 60 },
                  offer.pfsGroup,
                ),
              },
            ],
          };
        }),
      },
    },
    { type: PayloadType.Nonce, body: { data: nonceI } },
    ...(pfs
      ? [{ type: PayloadType.KeyExchange, body: { data: pfs.publicValue } } as OutgoingPayload]
      : []),
    { type: PayloadType.Identification, body: selectorId(offer.idci ?? LAN) },
    { type: PayloadType.Identification, body: selectorId(offer.idcr ?? VIRTUAL_IP) },
  ];
  const bytes = sealProtected(
    gateway,
    ExchangeType.QuickMode,
    messageId,
    payloads,
    hashOverMessage(messageId),
  );
  return { bytes, nonceI, gatewaySpi, pfs };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The gateway side: opens message 2 with HASH(2), answers HASH(3). */
function gatewayCompletes(
  gateway: IkeSa,
  messageId: number,
  nonceI: Buffer,
  qm2: Buffer,
): { payloads: ReceivedPayload[]; nonceR: Buffer; qm3: Buffer } {
  const payloads = openProtected(gateway, decodeHeader(qm2), (s, rest) =>
    quickModeHash2(s.prf, s.skeyidA, messageId, nonceI, rest),
  );
  const nonceR = requirePayload(payloads, PayloadType.Nonce, 'QM2').body.data;
  const qm3 = sealProtected(gateway, ExchangeType.QuickMode, messageId, [], (s) =>
    quickModeHash3(s.prf, s.skeyidA, messageId, nonceI, nonceR),
  );
  return { payloads, nonceR, qm3 };
}

test('answers a gateway rekey with the first acceptable transform; both ends derive the same keys', async () => {
  const { gateway, wire, answer } = setup();
  const qm1 = gatewayQm1(gateway, 77, { esp: ['3des-md5', 'aes128-sha1', 'aes256gcm16'] });
  const answered = answer(qm1.bytes);
  await settle();
  assert.equal(wire.sent.length, 1, 'message 2 went out');
  const qm2 = wire.sent[0] as Buffer;
  const { payloads, nonceR, qm3 } = gatewayCompletes(gateway, 77, qm1.nonceI, qm2);
  const sa = requirePayload(payloads, PayloadType.SA, 'QM2').body;
  assert.equal(sa.proposals.length, 1);
  assert.equal(sa.proposals[0]?.number, 2, 'the gateway order decides: aes128-sha1 came first');
  assert.equal(sa.proposals[0]?.transforms.length, 1);
  assert.equal(
    findPayload(payloads, PayloadType.KeyExchange),
    undefined,
    'no PFS asked, none given',
  );
  const clientSpi = sa.proposals[0]?.spi as Buffer;

  // a retransmitted message 1 gets the same message 2
  wire.deliver(qm1.bytes);
  assert.ok((wire.sent[1] as Buffer).equals(qm2));

  wire.deliver(qm3);
  const result = await answered;
  assert.equal(result.status, 'established');
  if (result.status !== 'established') return;
  const { pair } = result.result;
  assert.equal(pair.encryption, 'aes-cbc');
  assert.equal(pair.keyBits, 128);
  assert.equal(pair.integrity, 'hmac-sha1-96');
  assert.equal(pair.lifetime.seconds, 60, "the gateway's shorter lifetime wins");
  assert.deepEqual(pair.selectors, { local: [VIRTUAL_IP], remote: [LAN] });
  const gatewayKeys = (spi: Buffer) =>
    espDirectionKeys({
      prf: gateway.prf,
      skeyidD: gateway.skeyidD,
      protocol: ProtocolId.Esp,
      spi,
      nonceI: qm1.nonceI,
      nonceR,
      encryption: 'aes-cbc',
      keyBits: 128,
      integrity: 'hmac-sha1-96',
    });
  assert.deepEqual(pair.inbound, gatewayKeys(clientSpi), 'the gateway sends with our keys');
  assert.deepEqual(pair.outbound, gatewayKeys(qm1.gatewaySpi), 'we send with the gateway’s');
});

test('PFS: a group in the offer is answered with our KE; both ends share the secret', async () => {
  const { gateway, wire, answer } = setup();
  const qm1 = gatewayQm1(gateway, 78, { esp: ['aes256gcm16'], pfsGroup: 14 });
  const answered = answer(qm1.bytes);
  await settle();
  const { payloads, nonceR, qm3 } = gatewayCompletes(
    gateway,
    78,
    qm1.nonceI,
    wire.sent[0] as Buffer,
  );
  const ke = findPayload(payloads, PayloadType.KeyExchange);
  assert.ok(ke && qm1.pfs, 'message 2 carries our public value');
  wire.deliver(qm3);
  const result = await answered;
  assert.equal(result.status, 'established');
  if (result.status !== 'established') return;
  assert.equal(result.result.pfsGroup, 14);
  const sa = requirePayload(payloads, PayloadType.SA, 'QM2').body;
  const expected = espDirectionKeys({
    prf: gateway.prf,
    skeyidD: gateway.skeyidD,
    sharedSecret: qm1.pfs.computeShared(ke.body.data),
    protocol: ProtocolId.Esp,
    spi: sa.proposals[0]?.spi as Buffer,
    nonceI: qm1.nonceI,
    nonceR,
    encryption: 'aes-gcm-16',
    keyBits: 256,
    integrity: 'none',
  });
  assert.deepEqual(result.result.pair.inbound, expected);
});

/** The refusal the client sent: one authenticated informational notification. */
function refusal(gateway: IkeSa, sent: Buffer[]): number | undefined {
  assert.equal(sent.length, 1);
  const message = decodeHeader(sent[0] as Buffer);
  assert.equal(message.header.exchangeType, ExchangeType.Informational);
  return openInformational(gateway, message).notifications[0]?.notifyType;
}

test('an offer without a transform we accept is refused with NO-PROPOSAL-CHOSEN', async () => {
  const { gateway, wire, answer } = setup();
  const result = await answer(
    gatewayQm1(gateway, 79, { esp: ['3des-md5', 'aes256-sha256'] }).bytes,
  );
  assert.equal(result.status, 'refused');
  assert.equal(refusal(gateway, wire.sent), NotifyType.NoProposalChosen);
});

test('PFS we insist on: an offer without it, or with another group, is refused', async () => {
  const { gateway, wire, answer } = setup({ pfsGroup: 14 });
  const result = await answer(gatewayQm1(gateway, 80, { esp: ['aes256gcm16'], pfsGroup: 2 }).bytes);
  assert.equal(result.status, 'refused');
  assert.equal(refusal(gateway, wire.sent), NotifyType.NoProposalChosen);
});

test('selectors other than those of our SA are refused with INVALID-ID-INFORMATION', async () => {
  for (const offer of [
    { idci: { address: '0.0.0.0', prefix: 0 } },
    { idcr: { address: '198.19.99.2', prefix: 32 } },
  ]) {
    const { gateway, wire, answer } = setup();
    const result = await answer(gatewayQm1(gateway, 81, { esp: ['aes256gcm16'], ...offer }).bytes);
    assert.equal(result.status, 'refused');
    assert.equal(refusal(gateway, wire.sent), NotifyType.InvalidIdInformation);
  }
});

test('a message 1 whose HASH does not verify is not answered', async () => {
  const { gateway, wire, answer } = setup();
  const forged = Buffer.from(gatewayQm1(gateway, 82, { esp: ['aes256gcm16'] }).bytes);
  forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 0xff;
  await assert.rejects(answer(forged), UnauthenticatedError);
  assert.equal(wire.sent.length, 0);
});

test('a damaged message 3 is dropped and the wait goes on: the real one establishes the SA', async () => {
  // it ended the exchange: the gateway, whose real HASH(3) came next, had the new SA and we not
  const { gateway, wire, answer } = setup();
  const qm1 = gatewayQm1(gateway, 83, { esp: ['aes256gcm16'] });
  const answered = answer(qm1.bytes);
  await settle();
  const { qm3 } = gatewayCompletes(gateway, 83, qm1.nonceI, wire.sent[0] as Buffer);
  const damaged = Buffer.from(qm3);
  damaged[28] = (damaged[28] ?? 0) ^ 0x01;
  wire.deliver(damaged);
  await settle();
  wire.deliver(qm3);
  const result = await answered;
  assert.equal(result.status, 'established');
});
