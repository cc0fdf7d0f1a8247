// A dual-stack tunnel in the addon's ESP against the TypeScript reference model: IKEv1 gives
// one selector pair per Quick Mode, so IPv4 and IPv6 each have an SA pair. Any mix of IPv4
// and IPv6 inner packets goes out on the SA of its family (or is dropped as no route), and
// comes in only through the SA whose selectors cover it, exactly as the model does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NativeEspEngine } from '../../app/dataplane/esp/index.js';
import type { DataPlaneCounters } from '../../app/shared/counters.js';
import type { EspSaPair } from '../../app/shared/esp-sa.js';
import { ipv6ToBytes } from '../../app/shared/net6.js';
import { EspEngine } from './esp-model/index.js';
import {
  CLIENT_ADDRESS,
  type MirroredSas,
  inboundPacket,
  ipv4Packet,
  mirroredSas,
  outboundPacket,
  transformCase,
} from './esp-support/fixtures.js';

const CLIENT6 = 'fd00:99::7';
const LAN6 = { address: 'fd00:20::', prefix: 64 };
const LAN_HOST6 = 'fd00:20::5';
const ANY4 = { address: '0.0.0.0', prefix: 0 };
const ANY6 = { address: '::', prefix: 0 };

/** An IPv6 packet of `payloadLength` bytes after the header (next header 59: no next header). */
function ipv6Between(source: string, destination: string, payloadLength: number): Buffer {
  const packet = Buffer.alloc(40 + payloadLength, 0xab);
  packet.fill(0, 0, 40);
  packet[0] = 0x60;
  packet.writeUInt16BE(payloadLength, 4);
  packet[6] = 59;
  packet[7] = 64;
  packet.set(ipv6ToBytes(source), 8);
  packet.set(ipv6ToBytes(destination), 24);
  return packet;
}

/** The IPv6 SA pair: the client's address to the LAN's IPv6 network, and the mirror. */
function ipv6Sas(transform: ReturnType<typeof transformCase>): MirroredSas {
  const sas = mirroredSas(transform);
  const client = { address: CLIENT6, prefix: 128 };
  return {
    client: { ...sas.client, selectors: { local: [client], remote: [LAN6] } },
    gateway: { ...sas.gateway, selectors: { local: [LAN6], remote: [client] } },
  };
}

function both<T extends EspEngine | NativeEspEngine>(engine: T, sas: EspSaPair[]): T {
  for (const sa of sas) engine.install(sa);
  return engine;
}

const countsOf = (counters: DataPlaneCounters) =>
  counters.sas.map(({ lastInboundAt, lastOutboundAt, ...rest }) => ({
    ...rest,
    used: [lastInboundAt > 0, lastOutboundAt > 0],
  }));

const TRANSFORMS = [transformCase('aes-gcm-16-256'), transformCase('aes-cbc-256/hmac-sha1-96')];

test('outbound: each family on its own SA, IPv6 outside the selectors dropped, as the model', () => {
  for (const transform of TRANSFORMS) {
    const inner = fc.oneof(
      fc.integer({ min: 28, max: 1400 }).map((length) => outboundPacket(length)),
      fc.integer({ min: 0, max: 1400 }).map((length) => ipv6Between(CLIENT6, LAN_HOST6, length)),
      // another destination, another source: no SA covers them
      fc.constant(ipv6Between(CLIENT6, 'fd00:21::5', 20)),
      fc.constant(ipv6Between('fd00:99::8', LAN_HOST6, 20)),
      fc.constant(ipv4Packet('198.19.10.3', '198.51.100.7', 60)),
    );
    fc.assert(
      fc.property(fc.array(inner, { maxLength: 30 }), (packets) => {
        const v4 = mirroredSas(transform);
        const v6 = ipv6Sas(transform);
        const native = both(new NativeEspEngine(), [v4.client, v6.client]);
        const model = both(new EspEngine(), [v4.client, v6.client]);
        const gateway = both(new EspEngine(), [v4.gateway, v6.gateway]);
        const sealed = native.encryptBatch(packets);
        const expected = model.encryptBatch(packets);
        // the same SA (SPI) and sequence number for each packet carried
        assert.deepEqual(
          sealed.map((esp) => esp.subarray(0, 8).toString('hex')),
          expected.map((esp) => esp.subarray(0, 8).toString('hex')),
        );
        // what went out is exactly what is covered: the client's IPv4, and its IPv6 to the LAN
        const address = (text: string) =>
          Buffer.from(text.includes(':') ? ipv6ToBytes(text) : text.split('.').map(Number));
        const covered = packets.filter((p) =>
          p[0] === 0x45
            ? p.subarray(12, 16).equals(address(CLIENT_ADDRESS))
            : p.subarray(8, 24).equals(address(CLIENT6)) &&
              p.subarray(24, 40).equals(address(LAN_HOST6)),
        );
        assert.deepEqual(gateway.decryptBatch(sealed), covered);
        assert.deepEqual(countsOf(native.counters()), countsOf(model.counters()));
      }),
      { numRuns: 40 },
    );
  }
});

test('inbound: IPv6 opened only by the SA whose selectors cover it, counted as the model', () => {
  for (const transform of TRANSFORMS) {
    const v4 = mirroredSas(transform);
    const v6 = ipv6Sas(transform);
    const gateway = both(new EspEngine(), [v4.gateway, v6.gateway]);
    const good4 = inboundPacket(80);
    const good6 = ipv6Between(LAN_HOST6, CLIENT6, 64);
    // the gateway's IPv6 SA sealing what the selectors do not cover (a gateway that bypasses
    // its own policy, or a forged inner source): our side must drop it
    const careless: EspSaPair = {
      ...v6.gateway,
      selectors: { local: [ANY4, ANY6], remote: [ANY4, ANY6] },
    };
    // it goes on with the IPv6 SA's sequence numbers: good6 had 1
    const carelessGateway = new EspEngine();
    carelessGateway.install(careless, { firstSequence: 2 });
    const esp = [
      ...gateway.encryptBatch([good4, good6]),
      ...carelessGateway.encryptBatch([
        ipv6Between('fd00:21::5', CLIENT6, 16),
        // an IPv4 packet inside the IPv6 SA
        inboundPacket(60),
      ]),
    ];
    assert.equal(esp.length, 4);
    const native = both(new NativeEspEngine(), [v4.client, v6.client]);
    const model = both(new EspEngine(), [v4.client, v6.client]);
    const opened = native.decryptBatch(esp);
    assert.deepEqual(opened, model.decryptBatch(esp));
    assert.deepEqual(opened, [good4, good6]);
    assert.deepEqual(countsOf(native.counters()), countsOf(model.counters()));
    const ipv6Sa = native.counters().sas.find((sa) => sa.spiIn === v6.client.inbound.spi);
    assert.equal(ipv6Sa?.selectorDrops, 2);
    assert.equal(ipv6Sa?.packetsIn, 1);
  }
});
