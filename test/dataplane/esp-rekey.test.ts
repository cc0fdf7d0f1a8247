// SA table behaviour around a rekey, and the soft-limit signals the IKE engine rekeys on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RekeyReason } from '../../app/dataplane/esp/index.js';
import { EspEngine } from './esp-model/index.js';
import {
  inboundPacket,
  mirroredSas,
  outboundPacket,
  transformCase,
} from './esp-support/fixtures.js';

const GCM = transformCase('aes-gcm-16-128');
const CBC = transformCase('aes-cbc-256/hmac-sha256-128');

test('rekey overlap: both SAs decrypt, outbound uses the newest, removed SPI is noSaDrops', () => {
  const old = mirroredSas(GCM);
  const fresh = mirroredSas(CBC);
  const client = new EspEngine();
  const gateway = new EspEngine();
  client.install(old.client);
  gateway.install(old.gateway);
  const onOld = gateway.encrypt(inboundPacket()) ?? assert.fail();

  client.install(fresh.client);
  gateway.install(fresh.gateway);
  const onFresh = gateway.encrypt(inboundPacket()) ?? assert.fail();
  assert.equal(onFresh.readUInt32BE(0), fresh.client.inbound.spi, 'gateway sends on the new SA');
  assert.ok('packet' in client.decrypt(onFresh));
  assert.ok('packet' in client.decrypt(onOld), 'old SA still accepted during the overlap');

  const outbound = client.encrypt(outboundPacket()) ?? assert.fail();
  assert.equal(outbound.readUInt32BE(0), fresh.gateway.inbound.spi, 'client sends on the new SA');
  assert.ok('packet' in gateway.decrypt(outbound));

  assert.equal(client.remove(old.client.id), true);
  assert.equal(client.remove(old.client.id), false);
  gateway.remove(fresh.gateway.id);
  const lateOnOld = gateway.encrypt(inboundPacket()) ?? assert.fail();
  assert.equal(lateOnOld.readUInt32BE(0), old.client.inbound.spi);
  assert.deepEqual(client.decrypt(lateOnOld), { drop: 'no-sa' });

  const counters = client.counters();
  assert.deepEqual(
    counters.sas.map((sa) => sa.saId),
    [fresh.client.id],
  );
  assert.equal(counters.total.noSaDrops, 1);
  assert.equal(counters.total.packetsIn, 2, 'totals keep what the removed SA counted');
  assert.equal(counters.total.packetsOut, 1);
});

function watchedEngine() {
  const signals: [string, RekeyReason][] = [];
  const engine = new EspEngine({ onRekeyNeeded: (id, reason) => signals.push([id, reason]) });
  return { engine, signals };
}

test('sequence space: rekey signal at 2^32 - 2^20 once, no wrap after 2^32 - 1', () => {
  const { engine, signals } = watchedEngine();
  const sas = mirroredSas(CBC);
  engine.install(sas.client, { firstSequence: 2 ** 32 - 2 ** 20 - 1 });
  assert.ok(engine.encrypt(outboundPacket()));
  assert.deepEqual(signals, []);
  assert.ok(engine.encrypt(outboundPacket()));
  assert.ok(engine.encrypt(outboundPacket()));
  assert.deepEqual(signals, [[sas.client.id, 'sequence-space']]);

  const last = mirroredSas(GCM);
  const gateway = new EspEngine();
  gateway.install(last.gateway);
  engine.install(last.client, { firstSequence: 0xffffffff });
  const final = engine.encrypt(outboundPacket()) ?? assert.fail();
  assert.equal(final.readUInt32BE(4), 0xffffffff);
  assert.ok('packet' in gateway.decrypt(final));
  assert.equal(engine.encrypt(outboundPacket()), null, 'RFC 4303 3.3.3: no cycling');
  const counters = engine.counters().sas.find((sa) => sa.saId === last.client.id);
  assert.equal(counters?.sendErrors, 1);
  assert.equal(counters?.packetsOut, 1);
});

test('kilobyte lifetime: one soft signal per SA at 90%, in either direction', () => {
  const { engine, signals } = watchedEngine();
  const sas = mirroredSas(GCM, { lifetime: { seconds: 3600, kilobytes: 10 } });
  engine.install(sas.client);
  for (let count = 0; count < 6; count++) assert.ok(engine.encrypt(outboundPacket(1500)));
  assert.deepEqual(signals, [], '9000 bytes < 9216');
  assert.ok(engine.encrypt(outboundPacket(1500)));
  assert.deepEqual(signals, [[sas.client.id, 'kilobyte-lifetime']]);
  assert.equal(engine.encrypt(outboundPacket(1500)), null, 'expired: 10500 bytes >= 10240');
  assert.deepEqual(signals, [[sas.client.id, 'kilobyte-lifetime']], 'once');

  const inbound = watchedEngine();
  const gateway = new EspEngine();
  const other = mirroredSas(GCM, { lifetime: { seconds: 3600, kilobytes: 1 } });
  inbound.engine.install(other.client);
  gateway.install(other.gateway);
  for (let count = 0; count < 3; count++) {
    inbound.engine.decrypt(gateway.encrypt(inboundPacket(500)) ?? assert.fail());
  }
  assert.deepEqual(inbound.signals, [[other.client.id, 'kilobyte-lifetime']]);
});

test('install refuses duplicates, reserved SPIs and transforms it does not implement', () => {
  const engine = new EspEngine();
  const sas = mirroredSas(GCM);
  engine.install(sas.client);
  assert.throws(() => engine.install(sas.client), /already installed/);
  assert.throws(() => engine.install({ ...sas.client, id: 'other' }), /already in use/);
  const fresh = mirroredSas(GCM).client;
  assert.throws(
    () => engine.install({ ...fresh, outbound: { ...fresh.outbound, spi: 0 } }),
    RangeError,
  );
  assert.throws(() => engine.install({ ...fresh, integrity: 'hmac-sha1-96' }), RangeError);
  assert.throws(() => engine.install({ ...fresh, keyBits: 192 }), RangeError, 'key is 16 bytes');
  const cbc = mirroredSas(CBC).client;
  assert.throws(() => engine.install({ ...cbc, integrity: 'none' }), RangeError);
  assert.throws(
    () => engine.install({ ...cbc, inbound: { ...cbc.inbound, integrityKey: Buffer.alloc(20) } }),
    RangeError,
  );
  assert.equal(engine.counters().sas.length, 1);
});
