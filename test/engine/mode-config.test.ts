// Mode Config (draft-dukes-ike-mode-cfg 3.2-3.4) against the scriptable gateway double: pulled
// (REQUEST / REPLY), pushed by a gateway that never answers a REQUEST (SET / ACK), pushed after
// it answered, and a REPLY under another message ID, which is not ours and must be ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tlv } from '../../app/engine/wire/attributes.js';
import { ExchangeType, ModeCfgAttr, PayloadType } from '../../app/engine/wire/constants.js';
import type { OutgoingPayload } from '../../app/engine/wire/payloads.js';
import { MODE_CONFIG_ATTRIBUTES } from '../../app/shared/mode-config-attributes.js';
import { runEngineCase } from './support/engine-case.js';
import { type ModeConfigStyle, ipv4Bytes } from './support/gateway-script.js';

const VALUES = {
  virtualIp: '10.99.0.7',
  dns: ['10.99.0.53'],
  splitInclude: [{ address: '10.20.0.0', prefix: 16 }],
  backupServers: ['gw2.example', 'gw3.example'],
};

async function connectWith(modeConfig: ModeConfigStyle) {
  const result = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    responder: { ...VALUES, modeConfig },
  });
  assert.deepEqual(result.violations, []);
  assert.equal(result.outcome, 'connected');
  const network = result.events.find((e) => e.type === 'network');
  assert.equal(network?.internalIp4, '10.99.0.7');
  assert.deepEqual(network?.dns, ['10.99.0.53']);
  assert.deepEqual(
    network?.splitInclude.map((s) => s.network),
    [{ address: '10.20.0.0', prefix: 16 }],
  );
  const applied = result.gateway.channel?.configured[0]?.config;
  assert.deepEqual(applied?.backupServers, ['gw2.example', 'gw3.example']);
  const responder = result.gateway.responder;
  assert.ok(responder);
  assert.deepEqual(responder.problems, []);
  return { ...result, responder };
}

test('pull: our CFG_REQUEST asks for the whole table, the REPLY configures the tunnel', async () => {
  const { responder } = await connectWith('pull');
  assert.equal(responder.modeConfigRequests, 1);
  assert.equal(responder.modeConfigAck, undefined, 'nothing was pushed');
});

test('a gateway that only pushes: its CFG_SET is acknowledged (3.4) and configures the tunnel', async () => {
  const { responder } = await connectWith('push');
  const ack = responder.modeConfigAck;
  assert.ok(ack, 'the CFG_SET was acknowledged');
  // 3.4: the ACK names each attribute accepted, with no value
  assert.ok(ack.length > 0);
  assert.ok(ack.every((a) => 'bytes' in a && a.bytes.length === 0));
  assert.ok(
    ack.every((a) => MODE_CONFIG_ATTRIBUTES.some((row) => row.type === a.type)),
    'only attributes the table knows are acknowledged',
  );
});

test('profile modeConfig push: no CFG_REQUEST, the gateway CFG_SET is taken and acknowledged', async () => {
  const result = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    profile: { modeConfig: 'push' },
    responder: { ...VALUES, modeConfig: 'push' },
  });
  assert.deepEqual(result.violations, []);
  assert.equal(result.outcome, 'connected');
  assert.equal(result.gateway.responder?.modeConfigRequests, 0, 'we did not ask');
  assert.ok(result.gateway.responder?.modeConfigAck, 'the CFG_SET was acknowledged');
  assert.equal(result.events.find((e) => e.type === 'network')?.internalIp4, '10.99.0.7');
});

test('pushed after it answered: the SET is acknowledged, the same configuration kept', async () => {
  const { responder, gateway } = await connectWith('push-after-pull');
  assert.equal(responder.modeConfigRequests, 1);
  assert.ok(responder.modeConfigAck, 'the late CFG_SET was acknowledged');
  assert.equal(gateway.channel?.configured.length, 1, 'nothing to reconfigure');
});

test('pushed after it answered, with other DNS servers: applied to the tunnel', async () => {
  const result = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    responder: { ...VALUES, modeConfig: 'push-after-pull', pushedChanges: { dns: ['10.99.0.54'] } },
  });
  assert.deepEqual(result.violations, []);
  assert.equal(result.outcome, 'connected');
  assert.ok(result.gateway.responder?.modeConfigAck, 'the late CFG_SET was acknowledged');
  const configured = result.gateway.channel?.configured ?? [];
  assert.deepEqual(
    configured.map((setup) => setup.config.dns),
    [['10.99.0.53'], ['10.99.0.54']],
    'configured with the REPLY, then with the SET',
  );
  const networks = result.events.filter((e) => e.type === 'network');
  assert.deepEqual(networks.at(-1)?.dns, ['10.99.0.54']);
});

test('a REPLY under another message ID is not ours: ignored, the real one is taken', async () => {
  const result = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256gcm16',
    responder: {
      ...VALUES,
      tamper: (step, message, tools) => {
        if (step !== 'modecfg-reply' || !tools.seal) return [{ packet: message }];
        // the same REPLY with another address: taking it would show in the network event
        const elsewhere = tools.payloads.map((p): OutgoingPayload => {
          if (p.type !== PayloadType.Attribute) return p;
          const attributes = p.body.attributes.map((a) =>
            a.type === ModeCfgAttr.InternalIp4Address ? tlv(a.type, ipv4Bytes('10.66.66.66')) : a,
          );
          return { type: PayloadType.Attribute, body: { ...p.body, attributes } };
        });
        const otherId = (tools.messageId + 1) >>> 0 || 1;
        // authentic (sealed with the IKE SA's keys and HASH(1) for its own ID), but not ours
        const stray = tools.seal(ExchangeType.Transaction, otherId, elsewhere);
        return [{ packet: stray }, { packet: message, afterTurns: 1 }];
      },
    },
  });
  assert.deepEqual(result.violations, []);
  assert.equal(result.outcome, 'connected');
  const network = result.events.find((e) => e.type === 'network');
  assert.equal(network?.internalIp4, '10.99.0.7', 'the address from our own exchange');
  assert.ok(
    result.events.some(
      (e) => e.type === 'log' && /ignored an authentic message that is not/.test(e.message),
    ),
    'the stray REPLY was seen and ignored',
  );
});
