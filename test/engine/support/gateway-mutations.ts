// What a misbehaving gateway sends instead of its correct message at one step of the exchange,
// as data (so fast-check can generate, shrink and print it) and as a Tamper for the
// FakeResponder. Covers damaged datagrams (bit flips, truncation, extension, wrong cookies,
// message IDs, exchange types, flags, lengths), duplicated, replayed and delayed messages,
// messages authenticated with the right keys but with random content or one payload edited,
// notifications of any type, DELETEs for SAs that do not exist, and garbage on the NAT-T port.
import fc from 'fast-check';
import {
  DOI_IPSEC,
  ExchangeType,
  NotifyType,
  PayloadType,
  ProtocolId,
  XauthAttr,
  ModeCfgAttr,
  UnityAttr,
} from '../../../app/engine/wire/constants.js';
import type { DataAttribute } from '../../../app/engine/wire/attributes.js';
import { encodeMessage } from '../../../app/engine/wire/message.js';
import type { OutgoingPayload } from '../../../app/engine/wire/payloads.js';
import {
  type Outbound,
  RESPONDER_STEPS,
  type ResponderStep,
  type ResponderTools,
  type Tamper,
} from './fake-responder.js';
import type { IkeLeg } from '../../../app/shared/dataplane-port.js';

/** A position in a message as a fraction of its length, so it fits any message. */
type Fraction = number;

export type Mutation =
  | { kind: 'drop' }
  | { kind: 'flip'; at: Fraction[]; bits: number[] }
  | { kind: 'truncate'; at: Fraction }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'cookie'; offset: 0 | 8; bytes: Uint8Array }
  | { kind: 'header-byte'; offset: 16 | 17 | 18 | 19; value: number }
  | { kind: 'message-id'; value: number }
  | { kind: 'length'; value: number }
  /** the ISAKMP length cut inside the body, so an encrypted body is no whole number of
   * blocks; optionally another exchange type */
  | { kind: 'shorten'; at: Fraction; exchangeType?: number }
  | { kind: 'duplicate' }
  | { kind: 'replay'; which: Fraction; first: boolean }
  | { kind: 'delay' }
  | {
      kind: 'authenticated';
      exchangeType: number;
      sameMessageId: boolean;
      payloads: OutgoingPayload[];
      placement: Placement;
    }
  | { kind: 'cleartext'; exchangeType: number; payloads: OutgoingPayload[]; placement: Placement }
  | { kind: 'natt-garbage'; bytes: Uint8Array; leg: IkeLeg }
  | { kind: 'payload'; which: Fraction; edit: PayloadEdit; placement: Placement };

/** Where a forged message goes: instead of the correct one, before it, or after it some
 * event-loop turns later (while the engine may be waiting on the data plane). */
export type Placement = 'instead' | 'before' | { afterTurns: number };

/** A change to one payload of the correct message, which is then sealed as the gateway would
 * seal it: authentic, correctly encrypted, and wrong. */
export type PayloadEdit =
  | { op: 'drop' }
  | { op: 'duplicate' }
  | { op: 'insert'; payload: OutgoingPayload }
  | { op: 'replace'; payload: OutgoingPayload }
  | { op: 'data'; bytes: Buffer }
  | { op: 'attributes'; attributes: DataAttribute[]; append: boolean }
  | { op: 'spi'; bytes: Buffer };

export interface StepMutation {
  step: ResponderStep;
  mutation: Mutation;
}

const buffer = (max: number, min = 0) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b));

const exchangeTypes = fc.constantFrom(
  ExchangeType.Aggressive,
  ExchangeType.Informational,
  ExchangeType.Transaction,
  ExchangeType.QuickMode,
  ExchangeType.IdentityProtection,
  0,
  255,
);

const knownNotifyTypes = Object.values(NotifyType);
const notifyType = fc.oneof(
  fc.constantFrom(...knownNotifyTypes),
  fc.integer({ min: 0, max: 0xffff }),
);

const attributeTypes = fc.oneof(
  fc.constantFrom(
    ...Object.values(XauthAttr),
    ...Object.values(ModeCfgAttr),
    ...Object.values(UnityAttr),
  ),
  fc.integer({ min: 0, max: 0x7fff }),
);
const dataAttribute: fc.Arbitrary<DataAttribute> = fc.oneof(
  fc.record({ type: attributeTypes, value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ type: attributeTypes, bytes: buffer(20) }),
);

const spiList = fc
  .record({ size: fc.constantFrom(0, 4, 8, 16), count: fc.integer({ min: 0, max: 3 }) })
  .chain(({ size, count }) => fc.array(buffer(size, size), { minLength: count, maxLength: count }));

const payload: fc.Arbitrary<OutgoingPayload> = fc.oneof(
  fc.record({
    type: fc.constant(PayloadType.Notification),
    body: fc.record({
      doi: fc.constantFrom(DOI_IPSEC, 0),
      protocolId: fc.constantFrom(ProtocolId.Isakmp, ProtocolId.Esp, 0, 7),
      notifyType,
      spi: buffer(16),
      data: fc.oneof(buffer(4, 4), buffer(12)),
    }),
  }),
  fc.record({
    type: fc.constant(PayloadType.Delete),
    body: fc.record({
      doi: fc.constantFrom(DOI_IPSEC, 0),
      protocolId: fc.constantFrom(ProtocolId.Isakmp, ProtocolId.Esp, ProtocolId.Ah, 9),
      spis: spiList,
    }),
  }),
  fc.record({
    type: fc.constant(PayloadType.Attribute),
    body: fc.record({
      cfgType: fc.integer({ min: 0, max: 5 }),
      identifier: fc.integer({ min: 0, max: 0xffff }),
      attributes: fc.array(dataAttribute, { maxLength: 6 }),
    }),
  }),
  fc.record({
    type: fc.constant(PayloadType.SA),
    body: fc.record({
      doi: fc.constantFrom(DOI_IPSEC, 0),
      situation: fc.constantFrom(1, 0),
      proposals: fc.array(
        fc.record({
          number: fc.integer({ min: 0, max: 3 }),
          protocolId: fc.constantFrom(ProtocolId.Isakmp, ProtocolId.Esp, 0),
          spi: fc.oneof(buffer(0), buffer(4, 4)),
          transforms: fc.array(
            fc.record({
              number: fc.integer({ min: 0, max: 3 }),
              transformId: fc.integer({ min: 0, max: 255 }),
              attributes: fc.array(dataAttribute, { maxLength: 5 }),
            }),
            { maxLength: 2 },
          ),
        }),
        { maxLength: 2 },
      ),
    }),
  }),
  fc.record({
    type: fc.constant(PayloadType.Identification),
    body: fc.record({
      idType: fc.integer({ min: 0, max: 12 }),
      protocolId: fc.integer({ min: 0, max: 255 }),
      port: fc.integer({ min: 0, max: 0xffff }),
      data: buffer(12),
    }),
  }),
  ...(
    [
      PayloadType.Hash,
      PayloadType.Nonce,
      PayloadType.KeyExchange,
      PayloadType.VendorId,
      PayloadType.NatD,
    ] as const
  ).map((type) => fc.record({ type: fc.constant(type), body: fc.record({ data: buffer(40) }) })),
);

const payloadEdit: fc.Arbitrary<PayloadEdit> = fc.oneof(
  fc.constant({ op: 'drop' as const }),
  fc.constant({ op: 'duplicate' as const }),
  fc.record({ op: fc.constant('insert' as const), payload }),
  fc.record({ op: fc.constant('replace' as const), payload }),
  fc.record({ op: fc.constant('data' as const), bytes: fc.oneof(buffer(0), buffer(200)) }),
  fc.record({
    op: fc.constant('attributes' as const),
    attributes: fc.array(dataAttribute, { maxLength: 6 }),
    append: fc.boolean(),
  }),
  fc.record({ op: fc.constant('spi' as const), bytes: buffer(8) }),
);

const placement: fc.Arbitrary<Placement> = fc.oneof(
  fc.constant('instead' as const),
  fc.constant('before' as const),
  fc.record({ afterTurns: fc.integer({ min: 0, max: 4 }) }),
);

const fraction = fc.double({ min: 0, max: 0.9999, noNaN: true });

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'drop' as const }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fraction, { minLength: 1, maxLength: 4 }),
    bits: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 4, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('truncate' as const),
    at: fraction,
  }),
  fc.record({
    kind: fc.constant('extend' as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant('cookie' as const),
    offset: fc.constantFrom(0 as const, 8 as const),
    bytes: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('header-byte' as const),
    offset: fc.constantFrom(16 as const, 17 as const, 18 as const, 19 as const),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('message-id' as const),
    value: fc.integer({ min: 0, max: 0xffffffff }),
  }),
  fc.record({
    kind: fc.constant('length' as const),
    value: fc.integer({ min: 0, max: 0xffffffff }),
  }),
  fc.constant({ kind: 'duplicate' as const }),
  fc.record({
    kind: fc.constant('replay' as const),
    which: fraction,
    first: fc.boolean(),
  }),
  fc.constant({ kind: 'delay' as const }),
  fc.record({
    kind: fc.constant('authenticated' as const),
    exchangeType: exchangeTypes,
    sameMessageId: fc.boolean(),
    payloads: fc.array(payload, { maxLength: 4 }),
    placement,
  }),
  fc.record({
    kind: fc.constant('cleartext' as const),
    exchangeType: exchangeTypes,
    payloads: fc.array(payload, { maxLength: 4 }),
    placement,
  }),
  fc.record({
    kind: fc.constant('natt-garbage' as const),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 60 }),
      fc
        .uint8Array({ minLength: 1, maxLength: 60 })
        .map((b) => Uint8Array.from([0, 0, 0, 0, ...b])),
      fc.constant(Uint8Array.from([0xff])),
    ),
    leg: fc.constantFrom('natt' as const, 'ike' as const),
  }),
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('payload' as const),
      which: fraction,
      edit: payloadEdit,
      placement,
    }),
  },
  fc.record({
    kind: fc.constant('shorten' as const),
    at: fraction,
    exchangeType: fc.option(exchangeTypes, { nil: undefined }),
  }),
);

/** One or two mutations, each at one of `steps`. */
export const stepMutationsAt = (
  steps: readonly ResponderStep[] = RESPONDER_STEPS,
): fc.Arbitrary<StepMutation[]> =>
  fc.array(fc.record({ step: fc.constantFrom(...steps), mutation: mutationArbitrary }), {
    minLength: 1,
    maxLength: 2,
  });

const index = (at: Fraction, length: number) => Math.min(length - 1, Math.floor(at * length));

/** The datagrams sent instead of `message` (the correct one) under `mutation`. */
function apply(mutation: Mutation, message: Buffer, tools: ResponderTools): Outbound[] {
  const copy = () => Buffer.from(message);
  const one = (packet: Buffer) => [{ packet }];
  switch (mutation.kind) {
    case 'drop':
      return [];
    case 'flip': {
      const b = copy();
      mutation.at.forEach((at, i) => {
        const o = index(at, b.length);
        b[o] = (b[o] ?? 0) ^ (1 << (mutation.bits[i] ?? 0));
      });
      return one(b);
    }
    case 'truncate':
      return one(message.subarray(0, index(mutation.at, message.length)));
    case 'extend':
      return one(Buffer.concat([message, mutation.bytes]));
    case 'cookie': {
      const b = copy();
      Buffer.from(mutation.bytes).copy(b, mutation.offset);
      return one(b);
    }
    case 'header-byte': {
      const b = copy();
      b[mutation.offset] = mutation.value;
      return one(b);
    }
    case 'message-id': {
      const b = copy();
      b.writeUInt32BE(mutation.value, 20);
      return one(b);
    }
    case 'length': {
      const b = copy();
      b.writeUInt32BE(mutation.value, 24);
      return one(b);
    }
    case 'shorten': {
      const b = copy();
      b.writeUInt32BE(28 + index(mutation.at, Math.max(1, b.length - 28)), 24);
      if (mutation.exchangeType !== undefined) b[18] = mutation.exchangeType;
      return one(b);
    }
    case 'duplicate':
      return [{ packet: message }, { packet: message }];
    case 'replay': {
      const old = tools.sent[index(mutation.which, tools.sent.length)] ?? message;
      return mutation.first
        ? [{ packet: old }, { packet: message }]
        : [{ packet: message }, { packet: old }];
    }
    case 'delay':
      return []; // sent after the next step's message, by gatewayTamper
    case 'authenticated': {
      const messageId = mutation.sameMessageId
        ? tools.messageId
        : (tools.messageId ^ 0x5a5a5a5a) >>> 0;
      const forged = tools.seal
        ? tools.seal(mutation.exchangeType, messageId, mutation.payloads)
        : cleartext(mutation.exchangeType, mutation.payloads, tools);
      return place(forged, message, mutation.placement);
    }
    case 'cleartext':
      return place(
        cleartext(mutation.exchangeType, mutation.payloads, tools),
        message,
        mutation.placement,
      );
    case 'natt-garbage':
      return [{ packet: Buffer.from(mutation.bytes), leg: mutation.leg }, { packet: message }];
    case 'payload': {
      const forged = tools.reseal(editPayloads(tools.payloads, mutation.which, mutation.edit));
      return place(forged, message, mutation.placement);
    }
  }
}

function place(forged: Buffer, message: Buffer, placement: Placement): Outbound[] {
  if (placement === 'instead') return [{ packet: forged }];
  if (placement === 'before') return [{ packet: forged }, { packet: message }];
  return [{ packet: message }, { packet: forged, afterTurns: placement.afterTurns }];
}

function editPayloads(
  payloads: readonly OutgoingPayload[],
  which: Fraction,
  edit: PayloadEdit,
): OutgoingPayload[] {
  const list = [...payloads];
  const at = index(which, list.length);
  const target = list[at];
  if (!target) return list;
  const body = target.body as Record<string, unknown>;
  const changed = (changes: Record<string, unknown>) =>
    ({ type: target.type, body: { ...body, ...changes } }) as OutgoingPayload;
  switch (edit.op) {
    case 'drop':
      list.splice(at, 1);
      break;
    case 'duplicate':
      list.splice(at, 0, target);
      break;
    case 'insert':
      list.splice(at, 0, edit.payload);
      break;
    case 'replace':
      list[at] = edit.payload;
      break;
    case 'data':
      if ('data' in body) list[at] = changed({ data: edit.bytes });
      break;
    case 'attributes': {
      const merge = (old: DataAttribute[]) =>
        edit.append ? [...old, ...edit.attributes] : edit.attributes;
      if (target.type === PayloadType.Attribute)
        list[at] = changed({ attributes: merge(target.body.attributes) });
      if (target.type === PayloadType.SA)
        list[at] = changed({
          proposals: target.body.proposals.map((p) => ({
            ...p,
            transforms: p.transforms.map((t) => ({ ...t, attributes: merge(t.attributes) })),
          })),
        });
      break;
    }
    case 'spi':
      if (target.type === PayloadType.SA)
        list[at] = changed({
          proposals: target.body.proposals.map((p) => ({ ...p, spi: edit.bytes })),
        });
      break;
  }
  return list;
}

function cleartext(
  exchangeType: number,
  payloads: OutgoingPayload[],
  tools: ResponderTools,
): Buffer {
  return encodeMessage(
    {
      initiatorCookie: tools.initiatorCookie,
      responderCookie: tools.responderCookie,
      exchangeType,
      flags: 0,
      messageId: 0,
    },
    payloads,
  );
}

/** The gateway's script: each mutation applies once, the first time its step comes up; a
 * delayed message goes out right after the next step's. */
export function gatewayTamper(mutations: readonly StepMutation[]): Tamper {
  const pending = [...mutations];
  let delayed: Buffer | undefined;
  return (step, message, tools) => {
    const late = delayed ? [{ packet: delayed }] : [];
    delayed = undefined;
    const found = pending.findIndex((m) => m.step === step);
    if (found < 0) return [{ packet: message }, ...late];
    const [{ mutation }] = pending.splice(found, 1) as [StepMutation];
    if (mutation.kind === 'delay') delayed = message;
    return [...apply(mutation, message, tools), ...late];
  };
}
