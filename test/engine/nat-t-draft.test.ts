// NAT-T as draft-ietf-ipsec-nat-t-ike-02/03 had it, for gateways that announce only the draft:
// NAT-D payloads of type 130 (NAT-OA 131) and UDP-Encapsulated-Tunnel mode 61443 in the Quick
// Mode SA. In memory only: strongSwan always prefers RFC 3947 when our message 1 carries its
// vendor ID (we send the RFC's and the drafts' vendor IDs, as every client does), so the lab
// cannot make it speak the draft to us; the gateway double here announces only the draft's
// vendor ID and checks the payload types and encapsulation mode it receives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEngineCase } from './support/engine-case.js';

for (const exchange of ['aggressive', 'main'] as const) {
  test(`a draft-only gateway (${exchange} mode): NAT-D type 130 both ways and Quick Mode in encapsulation mode 61443`, async () => {
    const { outcome, violations, events, gateway } = await runEngineCase({
      ikeProposal: 'aes256-sha256-modp2048',
      espProposal: 'aes256-sha256',
      profile: { exchange },
      responder: { natT: 'draft' },
    });
    assert.deepEqual(violations, []);
    assert.equal(outcome, 'connected');
    const { responder, channel } = gateway;
    assert.ok(responder && channel);
    assert.deepEqual(responder.problems, [], 'the gateway received the draft payloads it speaks');
    const ike = events.find((e) => e.type === 'sa' && e.kind === 'ike');
    assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
    assert.equal(ike.natT.mode, 'draft');
    assert.ok(ike.peerVendorIds.includes('natTDraft02n'));
    assert.ok(!ike.peerVendorIds.includes('natTRfc3947'));
    // ESP in UDP to the gateway's NAT-T port (the draft's port 4500, non-ESP marker as RFC 3948)
    assert.equal(channel.installed.length, 1);
    assert.ok(channel.sent.some((s) => s.leg === 'natt'));
  });
}

test('the same gateway speaking RFC 3947 gets type 20 and mode 3 (the double checks both ways)', async () => {
  const { outcome, events, gateway } = await runEngineCase({
    ikeProposal: 'aes256-sha256-modp2048',
    espProposal: 'aes256-sha256',
  });
  assert.equal(outcome, 'connected');
  assert.deepEqual(gateway.responder?.problems, []);
  const ike = events.find((e) => e.type === 'sa' && e.kind === 'ike');
  assert.ok(ike?.type === 'sa' && ike.kind === 'ike');
  assert.equal(ike.natT.mode, 'rfc3947');
});
