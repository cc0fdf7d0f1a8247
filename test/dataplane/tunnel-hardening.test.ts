// blockIpv6's answers when the kernel refuses: IPv6 switched off is nothing to block; any other
// refusal is a warning the user sees (IPv6 may leave beside the tunnel). The journal is
// written before the first change either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rtnetlink } from '../../app/dataplane/netconfig/rtnetlink.js';
import { blockIpv6 } from '../../app/dataplane/netconfig/tunnel-hardening.js';
import type { JournalEntry } from '../../app/dataplane/netconfig/undo-journal.js';

const refusing = (message: string) =>
  ({
    addUnreachableIpv6: () => {
      throw new Error(message);
    },
  }) as unknown as Rtnetlink;

test('IPv6 off on the host: a note, no warning', () => {
  const journal: JournalEntry[] = [];
  const step = blockIpv6(refusing('Address family not supported by protocol'), (e) =>
    journal.push(...e),
  );
  assert.deepEqual(step, { changes: ['IPv6 is off on this host: nothing to block'], warnings: [] });
  assert.equal(journal.length, 2, 'journalled before trying');
});

test('any other refusal: the ipv6-not-blocked warning, naming the cause', () => {
  const step = blockIpv6(refusing('File exists'), () => undefined);
  assert.deepEqual(step.changes, []);
  assert.equal(step.warnings[0]?.code, 'ipv6-not-blocked');
  assert.match(step.warnings[0]?.message ?? '', /could not be blocked .*File exists/);
});
