// Configures the OS through a vpnc-script (Debian's /usr/share/vpnc-scripts/vpnc-script or any
// compatible program): pre-init, then connect; disconnect to undo. VPNPID is set to this
// process, so the script's own state files (saved default route, resolv.conf backup) are found
// again by a disconnect run from another process after a crash.
import type { AppliedNetwork } from '../../shared/dataplane-port.js';
import type { NetworkSetup } from '../../shared/network-setup.js';
import type { ConfiguratorOptions, NetworkConfigurator } from './configurator.js';
import { CrashRecordFile, DEFAULT_STATE_DIR } from './crash-record.js';
import { NetworkConfigError } from './errors.js';
import { checkSetup, rejectedDomains } from './setup-check.js';
import { SystemCommands } from './system-commands.js';
import { describeSplit, vpncScriptEnvironment } from './vpnc-script-env.js';
import { runVpncScript } from './vpnc-script-run.js';

export class ScriptConfigurator implements NetworkConfigurator {
  private readonly commands: SystemCommands;
  private connected: { record: CrashRecordFile; disconnectEnv: Record<string, string> } | undefined;

  constructor(
    private readonly script: string,
    private readonly options: ConfiguratorOptions = {},
  ) {
    this.commands = new SystemCommands(options);
  }

  async apply(setup: NetworkSetup): Promise<AppliedNetwork> {
    checkSetup(setup);
    if (this.connected)
      throw new NetworkConfigError('invalid-setup', 'network already configured: undo first');
    const extra = { VPNPID: String(process.pid) };
    await runVpncScript(
      this.commands,
      this.script,
      vpncScriptEnvironment('pre-init', setup, extra),
    );
    const disconnectEnv = vpncScriptEnvironment('disconnect', setup, extra);
    const record = new CrashRecordFile(this.options.stateDir ?? DEFAULT_STATE_DIR, setup.tunName);
    record.write({
      version: 1,
      kind: 'script',
      pid: process.pid,
      netns: this.options.netns,
      tunName: setup.tunName,
      script: this.script,
      env: disconnectEnv,
    });
    this.connected = { record, disconnectEnv };
    try {
      await runVpncScript(
        this.commands,
        this.script,
        vpncScriptEnvironment('connect', setup, extra),
      );
    } catch (error) {
      // connect may have done half its work: disconnect takes back what it can
      await this.undo().catch(() => undefined);
      throw error;
    }
    return { tunName: setup.tunName, mtu: setup.mtu, changes: describe(this.script, setup) };
  }

  async undo(): Promise<void> {
    if (!this.connected) return;
    // on failure the record stays, so a later cleanupStale() retries
    await runVpncScript(this.commands, this.script, this.connected.disconnectEnv);
    await this.connected.record.remove();
    this.connected = undefined;
  }
}

function describe(script: string, setup: NetworkSetup): string[] {
  const { config } = setup;
  const rejected = rejectedDomains(config);
  return [
    `${script} connect: ${config.internalIp4 ?? ''} on ${setup.tunName}, ` +
      (config.splitInclude.length > 0
        ? `split tunnel ${describeSplit(config.splitInclude)}`
        : 'full tunnel'),
    ...(config.splitExclude.length > 0 ? [`excluded ${describeSplit(config.splitExclude)}`] : []),
    setup.skipDns || config.dns.length === 0
      ? 'DNS left alone'
      : `DNS ${config.dns.join(' ')} handed to the script`,
    ...(rejected.length > 0 ? [`ignored invalid DNS names: ${JSON.stringify(rejected)}`] : []),
  ];
}
