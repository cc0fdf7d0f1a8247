import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { vpncScriptEnvironment } from '../../app/dataplane/netconfig/index.js';
import { labSetup, split } from './netconfig-support/lab.js';

/** KEY=VALUE lines of the capture's "vpnc-script environment" section: what vpnc exported. */
function capturedVpncEnvironment(): Record<string, string> {
  const summary = readFileSync(
    new URL('../fixtures/captures/vpnc-strongswan-nat.summary.txt', import.meta.url),
    'utf8',
  );
  const section = summary.split('## vpnc-script environment')[1]?.split('\n## ')[0] ?? '';
  const pairs = section
    .split('\n')
    .filter((line) => /^[A-Za-z_0-9]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(pairs);
}

/** The capture's setup: vpnc named its TUN vpnc0; strongSwan sent no netmask. */
const captured = labSetup({ tunName: 'vpnc0', skipDns: false });

test('connect environment equals what vpnc exported, plus netmask/MTU defaults', () => {
  const vpnc = capturedVpncEnvironment();
  assert.equal(vpnc['CISCO_SPLIT_INC_0_ADDR'], '198.19.77.0', 'fixture section parsed');
  assert.deepEqual(vpncScriptEnvironment('connect', captured), {
    ...vpnc,
    // not sent by the gateway: a host netmask, complete with the NETADDR/NETMASKLEN the script
    // then needs, and the TUN's MTU so the script does not guess one
    INTERNAL_IP4_NETMASK: '255.255.255.255',
    INTERNAL_IP4_NETMASKLEN: '32',
    INTERNAL_IP4_NETADDR: '198.19.99.1',
    INTERNAL_IP4_MTU: '1400',
  });
});

test('a Mode Config netmask gives the network address and length', () => {
  const env = vpncScriptEnvironment(
    'connect',
    labSetup({}, { internalIp4: '198.19.99.77', internalIp4Netmask: '255.255.255.192' }),
  );
  assert.equal(env['INTERNAL_IP4_NETMASK'], '255.255.255.192');
  assert.equal(env['INTERNAL_IP4_NETMASKLEN'], '26');
  assert.equal(env['INTERNAL_IP4_NETADDR'], '198.19.99.64');
});

test('lists: DNS and WINS space-separated, split DNS comma-separated, split exclude numbered', () => {
  const env = vpncScriptEnvironment(
    'disconnect',
    labSetup(
      { skipDns: false },
      {
        dns: ['198.19.77.53', '198.19.77.54'],
        nbns: ['198.19.77.60', '198.19.77.61'],
        splitDns: ['corp.example', 'lab.example'],
        splitInclude: [
          split('198.19.77.0', 24),
          {
            network: { address: '198.19.80.0', prefix: 20 },
            protocol: 6,
            sourcePort: 0,
            destinationPort: 443,
          },
        ],
        splitExclude: [split('192.0.2.0', 24)],
      },
    ),
    { VPNPID: '4242', reason: 'overridden' },
  );
  assert.equal(env['reason'], 'disconnect', 'contract keys win over extra ones');
  assert.equal(env['VPNPID'], '4242');
  assert.equal(env['INTERNAL_IP4_DNS'], '198.19.77.53 198.19.77.54');
  assert.equal(env['INTERNAL_IP4_NBNS'], '198.19.77.60 198.19.77.61');
  assert.equal(env['CISCO_SPLIT_DNS'], 'corp.example,lab.example');
  assert.equal(env['CISCO_SPLIT_INC'], '2');
  assert.equal(env['CISCO_SPLIT_INC_1_MASK'], '255.255.240.0');
  assert.equal(env['CISCO_SPLIT_INC_1_MASKLEN'], '20');
  assert.equal(env['CISCO_SPLIT_INC_1_PROTOCOL'], '6');
  assert.equal(env['CISCO_SPLIT_INC_1_DPORT'], '443');
  assert.deepEqual(
    Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('CISCO_SPLIT_EXC'))),
    {
      CISCO_SPLIT_EXC: '1',
      CISCO_SPLIT_EXC_0_ADDR: '192.0.2.0',
      CISCO_SPLIT_EXC_0_MASK: '255.255.255.0',
      CISCO_SPLIT_EXC_0_MASKLEN: '24',
      CISCO_SPLIT_EXC_0_PROTOCOL: '0',
      CISCO_SPLIT_EXC_0_SPORT: '0',
      CISCO_SPLIT_EXC_0_DPORT: '0',
    },
  );
});

test('skipDns leaves out the DNS variables; WINS and the rest stay', () => {
  const env = vpncScriptEnvironment(
    'connect',
    labSetup({ skipDns: true }, { splitDns: ['corp.example'] }),
  );
  for (const key of ['INTERNAL_IP4_DNS', 'CISCO_DEF_DOMAIN', 'CISCO_SPLIT_DNS'])
    assert.equal(env[key], undefined, key);
  assert.equal(env['INTERNAL_IP4_NBNS'], '198.19.77.54');
  assert.equal(env['CISCO_SPLIT_INC'], '1');
});

test('gateway text cannot inject: banner ends at NUL, malformed domains are dropped', () => {
  const env = vpncScriptEnvironment(
    'connect',
    labSetup(
      { skipDns: false },
      {
        banner: 'hello\nworld\0hidden',
        defaultDomain: 'corp.example\nnameserver 203.0.113.66',
        splitDns: ['ok.example', 'bad;touch /tmp/x', '$(id).example'],
      },
    ),
  );
  assert.equal(env['CISCO_BANNER'], 'hello\nworld');
  assert.equal(env['CISCO_DEF_DOMAIN'], undefined);
  assert.equal(env['CISCO_SPLIT_DNS'], 'ok.example');
});

test('no Mode Config address: no address variables (pre-init before Mode Config)', () => {
  const env = vpncScriptEnvironment('pre-init', labSetup({}, { internalIp4: undefined }));
  assert.equal(env['INTERNAL_IP4_ADDRESS'], undefined);
  assert.equal(env['INTERNAL_IP4_NETMASK'], undefined);
  assert.equal(env['TUNDEV'], 'rw0');
  assert.equal(env['VPNGATEWAY'], '198.51.100.1');
});
