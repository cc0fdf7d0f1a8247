// A throwaway strongSwan IKEv1 head-end lab (test/lab) for the demo and the benchmark.
//   node --import tsx scripts/lab.ts up [--json] [--options '<LabOptions as JSON>']
//       starts a lab, prints its names and addresses, runs until SIGINT/SIGTERM, then cleans up
//   node --import tsx scripts/lab.ts down
//       removes labs left behind by processes that died without cleaning up
import { cleanupStaleLabs, type LabOptions, startLab } from '../test/lab/index.js';

const USAGE = "usage: lab.ts up [--json] [--options '<json>'] | lab.ts down";

function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
  return value;
}

async function up(args: string[]): Promise<void> {
  const optionsJson = flagValue(args, '--options');
  const options = optionsJson ? (JSON.parse(optionsJson) as LabOptions) : {};
  const lab = await startLab(options);
  const info = {
    id: lab.id,
    names: lab.names,
    addresses: lab.addresses,
    interfaces: lab.interfaces,
    group: lab.options.group,
    groupPsk: lab.options.groupPsk,
    users: lab.options.users,
    banner: lab.options.banner,
    domain: lab.options.domain,
    gatewayPid: lab.gatewayPid,
    viciSocket: lab.viciSocket,
    gatewayLog: lab.gatewayLogFile,
    clientResolvConf: lab.clientResolvConf,
    dir: lab.dir,
    timings: lab.timings,
  };
  if (args.includes('--json')) {
    console.log(JSON.stringify(info));
  } else {
    console.log(`lab ${lab.id} up in ${Math.round(lab.timings?.totalMs ?? 0)} ms`);
    console.log(
      `  client namespace  ${lab.names.cli} (${lab.addresses.client}, via NAT ${lab.names.nat})`,
    );
    console.log(
      `  gateway           ${lab.addresses.gateway} in ${lab.names.gw}, log ${lab.gatewayLogFile}`,
    );
    console.log(
      `  protected LAN     ${lab.addresses.lanNetwork}, host ${lab.addresses.lanHost} in ${lab.names.lan}`,
    );
    console.log(`  group / PSK       ${info.group} / ${info.groupPsk}`);
    console.log(
      `  users             ${info.users.map((u) => `${u.name}/${u.password}`).join(', ')}`,
    );
    console.log('Ctrl-C stops the lab and removes it.');
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => resolve(s));
  });
  await lab.stop();
  if (!args.includes('--json')) console.log(`lab ${lab.id} removed (${signal})`);
}

function down(): void {
  const removed = cleanupStaleLabs();
  console.log(removed.length > 0 ? `removed stale labs: ${removed.join(', ')}` : 'no stale labs');
}

const [command, ...args] = process.argv.slice(2);
try {
  if (command === 'up') await up(args);
  else if (command === 'down') down();
  else throw new Error(USAGE);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
