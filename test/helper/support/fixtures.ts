// An SA pair and a network setup as the engine would hand them over (documentation ranges).
import type { EspDirectionKeys, EspSaPair } from '../../../app/shared/esp-sa.js';
import type { NetworkSetup } from '../../../app/shared/network-setup.js';

export const SA: EspSaPair = {
  id: 'child-1',
  encryption: 'aes-cbc',
  keyBits: 256,
  integrity: 'hmac-sha256-128',
  inbound: {
    spi: 0xc0ffee01,
    encryptionKey: Buffer.alloc(32, 0xa1),
    integrityKey: Buffer.alloc(32, 0xb2),
    salt: Buffer.alloc(0),
  },
  outbound: {
    spi: 0xffffffff,
    encryptionKey: Buffer.from([...Array(32).keys()]),
    integrityKey: Buffer.alloc(32, 0),
    salt: Buffer.alloc(0),
  },
  lifetime: { seconds: 3600, kilobytes: 4608000 },
  selectors: {
    local: [{ address: '198.19.7.2', prefix: 32 }],
    remote: [{ address: '0.0.0.0', prefix: 0 }],
  },
  replayWindow: 1024,
};

const copyKeys = (keys: EspDirectionKeys): EspDirectionKeys => ({
  spi: keys.spi,
  encryptionKey: Buffer.from(keys.encryptionKey),
  integrityKey: Buffer.from(keys.integrityKey),
  salt: Buffer.from(keys.salt),
});

/** SA with key buffers of its own, for installSa(), which wipes the keys it sent. */
export function freshSa(overrides: Partial<EspSaPair> = {}): EspSaPair {
  return { ...SA, inbound: copyKeys(SA.inbound), outbound: copyKeys(SA.outbound), ...overrides };
}

export const SETUP: NetworkSetup = {
  tunName: 'rw7',
  mtu: 1400,
  gateway: '198.51.100.1',
  config: {
    internalIp4: '198.19.7.2',
    internalIp4Netmask: '255.255.255.0',
    dns: ['198.19.0.53'],
    nbns: [],
    dns6: [],
    splitInclude6: [],
    defaultDomain: 'corp.example',
    splitDns: ['corp.example'],
    splitInclude: [
      {
        network: { address: '198.19.0.0', prefix: 16 },
        protocol: 0,
        sourcePort: 0,
        destinationPort: 0,
      },
    ],
    splitExclude: [],
    banner: 'Welcome\nto the lab',
    backupServers: [],
  },
  script: 'builtin',
  skipDns: true,
};
