// Child process for the crash tests: configures the network as told (argv[2], JSON), says
// "applied" on stdout and waits to be SIGKILLed without undoing anything.
import { createConfigurator } from '../../../app/dataplane/netconfig/index.js';
import type { ConfiguratorOptions } from '../../../app/dataplane/netconfig/index.js';
import type { NetworkSetup } from '../../../app/shared/network-setup.js';

const { setup, options } = JSON.parse(process.argv[2] ?? '{}') as {
  setup: NetworkSetup;
  options: ConfiguratorOptions;
};
await createConfigurator(setup, options).apply(setup);
process.stdout.write('applied\n');
setInterval(() => undefined, 60_000);
