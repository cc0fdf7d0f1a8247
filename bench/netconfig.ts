// Time to configure and take back the network inside a throw-away namespace (root):
//   builtin     BuiltinConfigurator.apply (rtnetlink) + undo (its `ip` journal)
//   vpnc-script ScriptConfigurator.apply + undo with Debian's vpnc-script (pre-init, connect, disconnect)
//   and, for the builtin plan itself, one `ip -batch` run against one `ip` process per command.
// Median of 10 runs after one warm-up. Run: node --import tsx bench/netconfig.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinConfigurator, ScriptConfigurator } from '../app/dataplane/netconfig/index.js';
import { type NetChange, planChanges } from '../app/dataplane/netconfig/route-plan.js';
import { probeRoutes } from '../app/dataplane/netconfig/route-probe.js';
import { runProgram } from '../app/dataplane/netconfig/run-program.js';
import { SystemCommands } from '../app/dataplane/netconfig/system-commands.js';
import { createLab, labSetup, split } from '../test/dataplane/netconfig-support/lab.js';
import { VPNC_SCRIPT } from './clients.js';
import { median } from './measure.js';

const RUNS = 10;

/** A planned change as the `ip` batch line that makes it (the configurator uses rtnetlink). */
function ipLine(change: NetChange): string[] {
  switch (change.kind) {
    case 'link':
      return ['link', 'set', 'dev', change.dev, 'mtu', String(change.mtu), 'up'];
    case 'address':
      return ['addr', 'add', `${change.address}/${change.prefix}`, 'dev', change.dev];
    case 'route': {
      const { network, path } = change;
      const via = path.gateway === undefined ? [] : ['via', path.gateway];
      return ['route', 'add', `${network.address}/${network.prefix}`, ...via, 'dev', path.dev];
    }
  }
}

async function medianMs(body: () => Promise<void>): Promise<number> {
  await body();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    await body();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

const lab = await createLab('bench');
const stateDir = await mkdtemp(join(tmpdir(), 'rw-netconfig-bench-'));
try {
  const options = { netns: lab.ns, stateDir };
  const setup = labSetup({}, { splitExclude: [split('198.19.50.0', 24)] });

  const builtin = await medianMs(async () => {
    const configurator = new BuiltinConfigurator(options);
    await configurator.apply(setup);
    await configurator.undo();
  });
  const script = await medianMs(async () => {
    const configurator = new ScriptConfigurator(VPNC_SCRIPT, options);
    await configurator.apply({ ...setup, script: { path: VPNC_SCRIPT } });
    await configurator.undo();
  });

  const commands = new SystemCommands({ netns: lab.ns, timeoutMs: 10_000 });
  const { changes } = planChanges(setup, await probeRoutes(commands, setup));
  const batched = await medianMs(async () => {
    await commands.ipBatch(
      changes.map((planned) => ipLine(planned.change)),
      'stop',
    );
    await commands.ipBatch(changes.map((change) => change.undo).reverse(), 'force');
  });
  const oneByOne = await medianMs(async () => {
    const lines = [
      ...changes.map((c) => ipLine(c.change)),
      ...changes.map((c) => c.undo).reverse(),
    ];
    for (const args of lines) {
      await runProgram({ file: 'ip', args: ['-n', lab.ns, ...args], timeoutMs: 10_000 });
    }
  });

  const results = {
    runs: RUNS,
    builtinApplyUndoMs: round(builtin),
    vpncScriptApplyUndoMs: round(script),
    scriptToBuiltinRatio: round(script / builtin),
    ipCommands: changes.length * 2,
    ipBatchMs: round(batched),
    ipOneProcessPerCommandMs: round(oneByOne),
    perCommandToBatchRatio: round(oneByOne / batched),
  };
  console.log(`builtin apply+undo      ${results.builtinApplyUndoMs} ms (median of ${RUNS})`);
  console.log(
    `vpnc-script apply+undo  ${results.vpncScriptApplyUndoMs} ms (${results.scriptToBuiltinRatio}x builtin)`,
  );
  console.log(
    `${results.ipCommands} ip commands: batch ${results.ipBatchMs} ms, one process each ${results.ipOneProcessPerCommandMs} ms (${results.perCommandToBatchRatio}x)`,
  );
  console.log(JSON.stringify(results));
} finally {
  await lab.destroy();
  await rm(stateDir, { recursive: true, force: true });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
