// The engine against the in-memory gateway of test/engine/support/fake-responder.ts, with no
// tampering: connect() reaches 'connected', and the ESP SA pair the engine installs is the
// mirror of what the gateway derived from its own KEYMAT (RFC 2409 5.5): the engine's
// outbound SA is the gateway's inbound one, same SPI and keys, and the other way round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionStates } from '../../app/shared/events.js';
import { FAKE_PASSWORD, runEngineCase } from './support/engine-case.js';

for (const [ikeProposal, espProposal, pfs] of [
  ['aes256-sha256-modp2048', 'aes256gcm16', false],
  ['aes128-sha1-modp1024', 'aes128-sha1', true],
  ['3des-md5-modp1024', '3des-md5', false],
] as const) {
  test(`${ikeProposal} / ${espProposal}${pfs ? ' with PFS' : ''}: connects, keys match the gateway's KEYMAT`, async () => {
    const { outcome, violations, events, gateway } = await runEngineCase({
      ikeProposal,
      espProposal,
      responder: { pfs, splitInclude: [{ address: '10.20.0.0', prefix: 16 }] },
    });
    assert.deepEqual(violations, []);
    assert.equal(outcome, 'connected');
    const responder = gateway.responder;
    const channel = gateway.channel;
    assert.ok(responder && channel);
    assert.deepEqual(responder.problems, [], 'the gateway saw a correct initiator');
    assert.equal(responder.xauthAccepted, true);
    assert.equal(responder.dpdAcknowledged, true, 'the engine answered R-U-THERE');

    const states = events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
    // every handshake step, in the order events.ts names them, then a clean disconnect
    const handshake = connectionStates.slice(
      connectionStates.indexOf('am1-sent'),
      connectionStates.indexOf('connected') + 1,
    );
    assert.deepEqual(states, [...handshake, 'disconnecting', 'disconnected']);
    const network = events.find((e) => e.type === 'network');
    assert.equal(network?.internalIp4, '10.99.0.7');
    assert.deepEqual(network?.dns, ['10.99.0.53']);
    assert.deepEqual(
      network?.splitInclude.map((s) => s.network),
      [{ address: '10.20.0.0', prefix: 16 }],
    );
    assert.equal(channel.sent.at(-1)?.leg, 'natt', 'IKE floated to the NAT-T port');

    assert.equal(channel.installed.length, 1);
    assert.equal(responder.espSas.length, 1);
    const [pair] = channel.installed;
    const [mirror] = responder.espSas;
    assert.ok(pair && mirror);
    assert.equal(pair.encryption, mirror.encryption);
    assert.equal(pair.keyBits, mirror.keyBits);
    assert.equal(pair.integrity, mirror.integrity);
    assert.deepEqual(pair.outbound, mirror.inbound, 'what we send is what the gateway receives');
    assert.deepEqual(pair.inbound, mirror.outbound, 'what the gateway sends is what we receive');
    assert.notDeepEqual(pair.inbound.encryptionKey, pair.outbound.encryptionKey);

    // disconnect: DELETE for the ESP SA (named by our inbound SPI) and for the IKE SA
    assert.deepEqual(responder.deletedEspSpis, [pair.inbound.spi]);
    assert.equal(responder.ikeSaDeleted, true);
  });
}

test('a wrong XAuth password ends with xauth-rejected and nothing installed', async () => {
  const { outcome, violations, gateway } = await runEngineCase({
    ikeProposal: 'aes128-sha1-modp1024',
    espProposal: 'aes128-sha1',
    responder: { password: `${FAKE_PASSWORD}-other` },
  });
  assert.deepEqual(violations, []);
  assert.equal(outcome, 'xauth-rejected');
  assert.equal(gateway.channel?.installed.length, 0);
});
