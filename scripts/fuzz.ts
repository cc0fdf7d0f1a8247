// `npm run fuzz`: a million random and mutated datagrams through the wire decoder. Anything but
// a DecodeError is a bug; the run stops at the first one and prints the input in hex.
import { decodeAny, mutate } from '../test/support/decode-any.js';
import { readIkeMessages } from '../test/support/pcapng.js';

const total = Number(process.argv[2] ?? 1_000_000);
const captured = [
  'vpnc-strongswan-nat.pcap',
  'vpnc-strongswan-idle.pcap',
  'vpnc-strongswan-direct.pcap',
].flatMap((f) =>
  readIkeMessages(new URL(`../test/fixtures/captures/${f}`, import.meta.url).pathname).map(
    (d) => d.payload,
  ),
);
// xorshift32: reproducible runs
let state = Number(process.env.FUZZ_SEED ?? 0x9e3779b9) >>> 0;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const outcomes = new Map<string, number>();
const started = process.hrtime.bigint();
for (let i = 0; i < total; i++) {
  const input =
    i % 4 === 0
      ? Buffer.from(
          Array.from({ length: Math.floor(random() * 400) }, () => Math.floor(random() * 256)),
        )
      : mutate(captured[Math.floor(random() * captured.length)] as Buffer, random);
  let outcome: string;
  try {
    outcome = decodeAny(input);
  } catch (error) {
    console.error(`case ${i}: ${(error as Error).stack}\ninput: ${input.toString('hex')}`);
    process.exit(1);
  }
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`fuzz: ${total} cases in ${seconds.toFixed(1)} s, no exception escaped the decoder`);
for (const [outcome, count] of [...outcomes].sort((a, b) => b[1] - a[1]))
  console.log(`  ${outcome.padEnd(30)} ${count}`);
