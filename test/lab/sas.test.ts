import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSas, parseListSas, parseViciDump } from './sas.js';

// `swanctl --list-sas --pretty` from the lab gateway with vpnc connected (strongSwan 5.9.8),
// plus a half-open SA with few fields and a remote id with spaces.
const LIST_SAS = `list-sa event {
  lab {
    uniqueid = 1
    version = 1
    state = ESTABLISHED
    local-host = 198.51.100.1
    local-port = 4500
    local-id = 198.51.100.1
    remote-host = 198.51.100.2
    remote-port = 58813
    remote-id = labgroup
    remote-xauth-id = alice
    initiator-spi = 4aefb3253358cbc4
    responder-spi = a4c3d699adfd5917
    nat-local = yes
    nat-remote = yes
    nat-any = yes
    encr-alg = AES_CBC
    encr-keysize = 256
    integ-alg = HMAC_SHA1_96
    prf-alg = PRF_HMAC_SHA1
    dh-group = MODP_1024
    established = 2
    rekey-time = 12978
    remote-vips = [
      198.19.99.1
    ]
    child-sas {
      lab-1 {
        name = lab
        uniqueid = 1
        reqid = 1
        state = INSTALLED
        mode = TUNNEL
        protocol = ESP
        encap = yes
        spi-in = 9e99c8f4
        spi-out = d7a5cfaf
        encr-alg = AES_CBC
        encr-keysize = 256
        integ-alg = HMAC_SHA1_96
        bytes-in = 168
        packets-in = 2
        use-in = 0
        bytes-out = 168
        packets-out = 2
        use-out = 0
        rekey-time = 3551
        life-time = 3958
        install-time = 2
        local-ts = [
          198.19.77.0/24
        ]
        remote-ts = [
          198.19.99.1/32
        ]
      }
    }
  }
}
list-sa event {
  lab {
    uniqueid = 2
    state = CONNECTING
    remote-id = C=CH, O=Lab, CN=some client
    child-sas {
    }
  }
}
list-sas reply {
}
`;

test('parses IKE and child SAs from swanctl --list-sas --pretty', () => {
  const [established, connecting, ...rest] = parseListSas(LIST_SAS);
  assert.equal(rest.length, 0);
  assert.ok(established && connecting);
  assert.equal(established.name, 'lab');
  assert.equal(established.uniqueId, 1);
  assert.equal(established.version, 1);
  assert.equal(established.state, 'ESTABLISHED');
  assert.equal(established.remoteHost, '198.51.100.2');
  assert.equal(established.remotePort, 58813);
  assert.equal(established.localPort, 4500);
  assert.equal(established.remoteId, 'labgroup');
  assert.equal(established.remoteXauthId, 'alice');
  assert.equal(established.initiator, false);
  assert.equal(established.natRemote, true);
  assert.equal(established.encrAlg, 'AES_CBC');
  assert.equal(established.encrKeysize, 256);
  assert.equal(established.integAlg, 'HMAC_SHA1_96');
  assert.equal(established.prfAlg, 'PRF_HMAC_SHA1');
  assert.equal(established.dhGroup, 'MODP_1024');
  assert.equal(established.rekeySeconds, 12978);
  assert.equal(established.reauthSeconds, undefined);
  assert.deepEqual(established.remoteVips, ['198.19.99.1']);

  const [child, ...moreChildren] = established.childSas;
  assert.equal(moreChildren.length, 0);
  assert.ok(child);
  assert.equal(child.key, 'lab-1');
  assert.equal(child.name, 'lab');
  assert.equal(child.state, 'INSTALLED');
  assert.equal(child.mode, 'TUNNEL');
  assert.equal(child.protocol, 'ESP');
  assert.equal(child.encap, true);
  assert.equal(child.spiIn, '9e99c8f4');
  assert.equal(child.spiOut, 'd7a5cfaf');
  assert.equal(child.dhGroup, undefined, 'no PFS');
  assert.deepEqual(
    [child.bytesIn, child.packetsIn, child.bytesOut, child.packetsOut],
    [168, 2, 168, 2],
  );
  assert.equal(child.useInSeconds, 0);
  assert.equal(child.lifeSeconds, 3958);
  assert.deepEqual(child.localTs, ['198.19.77.0/24']);
  assert.deepEqual(child.remoteTs, ['198.19.99.1/32']);

  assert.equal(connecting.state, 'CONNECTING');
  assert.equal(connecting.remoteId, 'C=CH, O=Lab, CN=some client', 'values keep their spaces');
  assert.equal(connecting.remoteXauthId, undefined);
  assert.equal(connecting.remotePort, 0, 'missing numbers default to 0');
  assert.equal(connecting.encrAlg, undefined);
  assert.deepEqual(connecting.remoteVips, []);
  assert.deepEqual(connecting.childSas, []);
});

test('no SAs: only the reply', () => {
  assert.deepEqual(parseListSas('list-sas reply {\n}\n'), []);
  assert.deepEqual(parseListSas(''), []);
});

test('the generic dump keeps every message', () => {
  const messages = parseViciDump(LIST_SAS);
  assert.deepEqual(
    messages.map((m) => m.name),
    ['list-sa event', 'list-sa event', 'list-sas reply'],
  );
});

test('malformed output fails with the line', () => {
  assert.throws(() => parseViciDump('list-sa event {\n  lab {\n'), /ended inside/);
  assert.throws(() => parseViciDump('}\n'), /line 1 .*unbalanced/);
  assert.throws(
    () => parseViciDump('list-sa event {\n  what is this\n}\n'),
    /line 2 .*not a vici element/,
  );
  assert.throws(() => parseViciDump('key = value\n'), /outside any message/);
});

test('describeSas summarises for error messages', () => {
  const summary = describeSas(parseListSas(LIST_SAS));
  assert.match(
    summary,
    /lab#1 ESTABLISHED labgroup@198\.51\.100\.2:58813 xauth=alice vips=198\.19\.99\.1 \[lab-1 INSTALLED in 9e99c8f4 2p out d7a5cfaf 2p\]/,
  );
  assert.equal(describeSas([]), 'no SAs');
});
