// Faults on the path between client and gateway: an nftables table in the NAT namespace's
// forward hook, lifted by dropping the table.
import type { Lab } from './lab.js';

/** RFC 3948 2.2: the four bytes after the UDP header are the SPI (never 0) for ESP-in-UDP, the
 * non-ESP marker (0) for IKE; this matches ESP data only. */
export const ESP_IN_UDP = '@th,64,32 != 0';

/** Both directions of ESP-in-UDP data dropped, IKE on UDP 4500 left through. */
export const ESP_BLOCKED_RULES = [
  `udp dport 4500 ${ESP_IN_UDP} drop`,
  `udp sport 4500 ${ESP_IN_UDP} drop`,
];

/** A fault in the NAT namespace's forward path, until the returned function lifts it. */
export async function nftFault(lab: Lab, rules: string[]): Promise<() => Promise<void>> {
  const ruleset = `table ip rwfault {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n}\n`;
  await lab.exec('nat', 'nft', ['-f', '-'], { input: ruleset });
  return async () => {
    await lab.exec('nat', 'nft', ['delete', 'table', 'ip', 'rwfault']);
  };
}
