// The engine's IKE capture tap: each message of a real connect (against the FakeResponder) as
// cleartext ISAKMP, secrets zero-filled in place, written as a pcap that tshark dissects
// without a malformed packet or an expert error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  ExchangeType,
  HeaderFlag,
  PayloadType,
  XauthAttr,
} from '../../app/engine/wire/constants.js';
import { decodeHeader, findPayload } from '../../app/engine/wire/message.js';
import { decodePayloadChain } from '../../app/engine/wire/payloads.js';
import { NON_ESP_MARKER } from '../../app/engine/wire/constants.js';
import { pcapFile } from '../../app/support/pcap.js';
import { BUNDLE_PASSWORD, capturedConnect } from './captured-connect.js';

const run = promisify(execFile);

async function hasTshark(): Promise<boolean> {
  try {
    await run('tshark', ['--version']);
    return true;
  } catch {
    return false;
  }
}

const run1 = capturedConnect();

function decoded(udpPayload: Buffer) {
  const natt = udpPayload.subarray(0, 4).equals(NON_ESP_MARKER);
  const message = decodeHeader(natt ? udpPayload.subarray(4) : udpPayload);
  // a message sealed before the tap saw its plaintext (phase 1's last) stays encrypted
  const chain =
    message.header.flags & HeaderFlag.Encryption
      ? { payloads: [], trailing: 0 }
      : decodePayloadChain(message.header.firstPayload, message.body);
  return { natt, message, chain };
}

test('each message of a connect is captured in clear, with its secrets zero-filled', async () => {
  const { messages } = await run1;
  const exchanges = new Set(messages.map((m) => decoded(m.udpPayload).message.header.exchangeType));
  for (const type of [
    ExchangeType.Aggressive,
    ExchangeType.Transaction,
    ExchangeType.QuickMode,
    ExchangeType.Informational,
  ])
    assert.ok(exchanges.has(type), `exchange ${type} captured (saw ${[...exchanges].join(', ')})`);
  assert.ok(
    messages.some((m) => m.direction === 'sent') &&
      messages.some((m) => m.direction === 'received'),
  );

  const encrypted = messages.filter((m) => !m.decrypted).map((m) => decoded(m.udpPayload));
  assert.deepEqual(
    encrypted.filter((d) => d.message.header.flags & HeaderFlag.Encryption),
    [],
    'every encrypted message shown decrypted, phase 1 message 3 included',
  );
  assert.ok(
    messages.some(
      (m) =>
        m.decrypted &&
        decoded(m.udpPayload).message.header.exchangeType === ExchangeType.Aggressive,
    ),
    'aggressive mode message 3 decrypted',
  );
  let passwords = 0;
  let nonces = 0;
  const userNames: string[] = [];
  for (const m of messages.filter((m) => m.decrypted)) {
    const { message, chain } = decoded(m.udpPayload);
    assert.equal(message.header.flags & HeaderFlag.Encryption, 0, 'encryption flag cleared');
    assert.equal(chain.trailing, 0, 'padding dropped');
    for (const payload of chain.payloads) {
      if (payload.type === PayloadType.KeyExchange || payload.type === PayloadType.Hash) {
        assert.ok(
          payload.body.data.length > 0 && payload.body.data.every((b) => b === 0),
          `payload ${payload.type} zero-filled`,
        );
      }
      if (payload.type === PayloadType.Nonce) {
        nonces++;
        assert.ok(
          payload.body.data.some((b) => b !== 0),
          'nonces are kept',
        );
      }
      if (payload.type === PayloadType.Attribute) {
        for (const attribute of payload.body.attributes) {
          // the gateway's request carries it empty; our reply, the password
          if (
            attribute.type === XauthAttr.UserPassword &&
            'bytes' in attribute &&
            attribute.bytes.length > 0
          ) {
            passwords++;
            assert.equal(attribute.bytes.length, BUNDLE_PASSWORD.length, 'same length');
            assert.ok(
              attribute.bytes.every((b) => b === 0),
              'password zero-filled',
            );
          }
          if (attribute.type === XauthAttr.UserName && 'bytes' in attribute)
            userNames.push(attribute.bytes.toString());
        }
      }
    }
  }
  assert.ok(passwords >= 1, 'the XAuth reply with its password was captured decrypted');
  assert.ok(userNames.includes('alice'), 'the user name stays');
  assert.ok(nonces >= 2, 'Quick Mode nonces captured');
  // unencrypted phase 1 messages: KE and HASH zero-filled as well
  for (const m of messages.filter((m) => !decoded(m.udpPayload).message.header.flags)) {
    for (const payload of decoded(m.udpPayload).chain.payloads)
      if (payload.type === PayloadType.KeyExchange || payload.type === PayloadType.Hash)
        assert.ok(
          payload.body.data.every((b) => b === 0),
          `phase 1 payload ${payload.type} zero-filled`,
        );
  }
  assert.ok(
    messages.some((m) => decoded(m.udpPayload).natt),
    'messages on 4500 carry the non-ESP marker',
  );
});

test('tshark dissects the capture: every message ISAKMP, none malformed, no expert error', async (t) => {
  if (!(await hasTshark())) {
    t.skip('*** tshark is not installed: the pcap dissection check is SKIPPED ***');
    return;
  }
  const { messages } = await run1;
  const dir = mkdtempSync(join(tmpdir(), 'rw-capture-'));

  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ike.pcap');
  writeFileSync(file, pcapFile(messages.map((m) => ({ ...m, payload: m.udpPayload }))));
  const { stdout } = await run('tshark', ['-r', file, '-V'], { maxBuffer: 64 * 1024 * 1024 });
  assert.doesNotMatch(stdout, /Malformed Packet/);
  assert.doesNotMatch(stdout, /Severity level: Error/);
  const isakmp =
    stdout.match(/^Internet Security Association and Key Management Protocol$/gm) ?? [];
  assert.equal(isakmp.length, messages.length, 'one ISAKMP message per frame');
  assert.match(stdout, /XAUTH_USER_PASSWORD \(16522\)/);
  assert.match(stdout, /Non-ESP Marker/);
  const { stdout: experts } = await run('tshark', ['-r', file, '-q', '-z', 'expert,error']);
  assert.doesNotMatch(experts, /Errors \(\d+\)/, experts);
});

test('a gateway over IPv6: IPv6 headers (RFC 8200) whose UDP checksums tshark verifies', async (t) => {
  if (!(await hasTshark())) {
    t.skip('*** tshark is not installed: the pcap dissection check is SKIPPED ***');
    return;
  }
  const { messages } = await run1;
  const ipv6 = (end: { address: string; port: number }) => ({
    address: end.address.startsWith('198.51.100.') ? 'fd72:77:0:100::1' : 'fd72:77:0:100::2',
    port: end.port,
  });
  const dir = mkdtempSync(join(tmpdir(), 'rw-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ike6.pcap');
  writeFileSync(
    file,
    pcapFile(
      messages.map((m) => ({
        at: m.at,
        source: ipv6(m.source),
        destination: ipv6(m.destination),
        payload: m.udpPayload,
      })),
    ),
  );
  const { stdout } = await run(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'udp.check_checksum:TRUE',
      '-T',
      'fields',
      '-e',
      'ipv6.src',
      '-e',
      'udp.checksum.status',
      '-e',
      'isakmp.ispi',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const frames = stdout.trim().split('\n');
  assert.equal(frames.length, messages.length);
  for (const frame of frames) {
    const [source, checksum, spi] = frame.split('\t');
    assert.match(source ?? '', /^fd72:77:0:100::[12]$/, frame);
    assert.equal(checksum, '1', `checksum good (tshark's status 1; 0 is bad): ${frame}`);
    assert.ok(spi, `dissected as ISAKMP: ${frame}`);
  }
});

test('main mode: messages 5 and 6 (identities and hashes) captured decrypted, hashes zero-filled', async () => {
  const { messages } = await capturedConnect(undefined, 'main');
  const identityProtection = messages
    .filter((m) => m.decrypted)
    .map((m) => decoded(m.udpPayload))
    .filter((d) => d.message.header.exchangeType === ExchangeType.IdentityProtection);
  assert.equal(identityProtection.length, 2, 'messages 5 and 6');
  for (const { chain } of identityProtection) {
    const hash = findPayload(chain.payloads, PayloadType.Hash);
    assert.ok(hash && hash.body.data.every((b) => b === 0), 'HASH_I / HASH_R zero-filled');
    assert.ok(chain.payloads.some((p) => p.type === PayloadType.Identification));
  }
});
