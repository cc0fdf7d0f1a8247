// Faults on the path between client and gateway: an nftables table in the NAT namespace (its
// forward hook, or its prerouting hook before IP fragments are reassembled), lifted by dropping
// the table; and a smaller path MTU from the gateway toward the client.
import { LAB_ADDRESSES, LAB_INTERFACES } from './addresses.js';
import type { Lab } from './lab.js';

/** RFC 3948 2.2: the four bytes after the UDP header are the SPI (never 0) for ESP-in-UDP, the
 * non-ESP marker (0) for IKE; this matches ESP data only. */
export const ESP_IN_UDP = '@th,64,32 != 0';

/** Both directions of ESP-in-UDP data dropped, IKE on UDP 4500 left through. */
export const ESP_BLOCKED_RULES = [
  `udp dport 4500 ${ESP_IN_UDP} drop`,
  `udp sport 4500 ${ESP_IN_UDP} drop`,
];

/** Every IP fragment dropped (RFC 791 3.1: more-fragments flag 0x2000, offset 0x1fff), counted,
 * as firewalls on many paths do. Only seen before the NAT's conntrack reassembles them. */
export const IP_FRAGMENTS_DROPPED_RULES = ['ip frag-off & 0x3fff != 0 counter drop'];

/** Where a fault's table hooks in: the forward path, or prerouting ahead of conntrack's
 * defragmentation (priority -400), where a fragment is still a fragment. */
const HOOKS = {
  forward: { table: 'rwfault', hook: 'forward', priority: 0 },
  beforeDefrag: { table: 'rwfrag', hook: 'prerouting', priority: -500 },
} as const;

/** A fault in the NAT namespace's path, until the returned function lifts it. `family`: the
 * nftables family of its table, ip6 for a client that reaches the gateway over IPv6. */
export async function nftFault(
  lab: Lab,
  rules: string[],
  where: keyof typeof HOOKS = 'forward',
  family: 'ip' | 'ip6' = 'ip',
): Promise<() => Promise<void>> {
  const { table, hook, priority } = HOOKS[where];
  const ruleset = `table ${family} ${table} {\n  chain ${hook} {\n    type filter hook ${hook} priority ${priority}; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n}\n`;
  await lab.exec('nat', 'nft', ['-f', '-'], { input: ruleset });
  return async () => {
    await lab.exec('nat', 'nft', ['delete', 'table', family, table]);
  };
}

/** Packets nftFault's `where` table counted (its rules' `counter`s, summed). */
export async function nftFaultCount(
  lab: Lab,
  where: keyof typeof HOOKS = 'forward',
): Promise<number> {
  const { stdout } = await lab.exec('nat', 'nft', ['list', 'table', 'ip', HOOKS[where].table]);
  return [...stdout.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

/** The route each end takes toward the other: the gateway to the NAT's outside address, the
 * client to the gateway through the NAT. */
const ROUTES = {
  gw: [`${LAB_ADDRESSES.natOutside}/32`, 'dev', LAB_INTERFACES.gatewayWan],
  cli: [
    `${LAB_ADDRESSES.gateway}/32`,
    'via',
    LAB_ADDRESSES.natInside,
    'dev',
    LAB_INTERFACES.client,
  ],
} as const;

/** `from` sends datagrams of at most `mtu` bytes toward the other end: larger ones leave as IP
 * fragments (`lock`: no path MTU discovery, DF clear), as behind a link with a small MTU. */
export async function pathMtu(lab: Lab, from: keyof typeof ROUTES, mtu: number): Promise<void> {
  await lab.exec(from, 'ip', ['route', 'replace', ...ROUTES[from], 'mtu', 'lock', String(mtu)]);
}
