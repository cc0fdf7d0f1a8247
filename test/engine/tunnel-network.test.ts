// What the data plane warned about while configuring the network (a full tunnel whose DNS or
// IPv6 it could not keep inside) reaches the user as typed warning events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configureTunnel } from '../../app/engine/tunnel-network.js';
import type { AppliedNetwork, IkeChannel } from '../../app/shared/dataplane-port.js';
import type { EspSaPair } from '../../app/shared/esp-sa.js';
import { ProfileSchema } from '../../app/shared/profile.js';

test('data-plane warnings become warning events beside the network event', async () => {
  const applied: AppliedNetwork = {
    tunName: 'rw0',
    mtu: 1400,
    changes: ['DNS not configured: no systemd-resolved'],
    warnings: [{ code: 'dns-not-set', message: 'names go outside the tunnel' }],
  };
  const channel = { configureNetwork: async () => applied } as unknown as IkeChannel;
  const { network, warnings } = await configureTunnel(
    channel,
    { profile: ProfileSchema.parse({ name: 'p', gateway: 'gw', group: 'g' }) },
    '198.51.100.1',
    {
      internalIp4: '10.99.0.7',
      dns: ['10.99.0.53'],
      nbns: [],
      dns6: [],
      splitInclude6: [],
      splitDns: [],
      splitInclude: [],
      splitExclude: [],
      backupServers: [],
    },
    { ipv4: { encryption: 'aes-gcm-16', integrity: 'none' } as EspSaPair, ipv6: undefined },
  );
  assert.equal(network.type, 'network');
  assert.deepEqual(network.changes, applied.changes);
  assert.deepEqual(
    warnings.map(({ type, code, message }) => ({ type, code, message })),
    [{ type: 'warning', code: 'dns-not-set', message: 'names go outside the tunnel' }],
  );
});
