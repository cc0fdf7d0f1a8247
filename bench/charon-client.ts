// strongSwan's charon as the reference IKEv1 road warrior (aggressive mode, group PSK, XAuth,
// Mode Config pull, Unity split-include) in the lab's client namespace: its own strongswan.conf,
// private /run, vici socket and kernel-libipsec (userspace ESP; this kernel has no ESP).
// No `resolve` plugin: it would rewrite the host's shared /etc/resolv.conf.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type Lab, LAB_ADDRESSES } from '../test/lab/index.js';
// the gateway's plugin list serves the client too (xauth-generic answers XAuth from secrets)
import { CHARON_PLUGINS, SWANCTL_PLUGINS, quote } from '../test/lab/config.js';
import { CHARON } from '../test/lab/gateway.js';
import { type RunResult, run } from '../test/lab/run.js';
import { terminate } from './measure.js';

export const SWANCTL = '/usr/sbin/swanctl';
const CONNECTION = 'rw';
const VICI_TIMEOUT_MS = 5000;
const POLL_MS = 2;

export interface CharonClientConfig {
  group: string;
  groupPsk: string;
  username: string;
  password: string;
  /** strongSwan proposal strings, e.g. aes256-sha1-modp1536 */
  ikeProposal: string;
  /** e.g. aes256-sha1 (no DH group: no PFS) */
  espProposal: string;
}

function strongswanConf(logFile: string, viciSocket: string): string {
  return `charon {
  load = ${CHARON_PLUGINS}
  i_dont_care_about_security_and_use_aggressive_mode_psk = yes
  cisco_unity = yes
  # random source ports for IKE and NAT-T, as the other clients use
  port = 0
  port_nat_t = 0
  filelog {
    client {
      path = ${quote(logFile)}
      time_format = %H:%M:%S
      time_add_ms = yes
      default = 1
    }
  }
  plugins {
    vici {
      socket = ${quote(`unix://${viciSocket}`)}
    }
  }
}
swanctl {
  load = ${SWANCTL_PLUGINS}
}
`;
}

function swanctlConf(config: CharonClientConfig): string {
  return `connections {
  ${CONNECTION} {
    version = 1
    aggressive = yes
    remote_addrs = ${LAB_ADDRESSES.gateway}
    vips = 0.0.0.0
    pull = yes
    encap = yes
    proposals = ${config.ikeProposal}
    local {
      auth = psk
      id = ${quote(`keyid:${config.group}`)}
    }
    local-xauth {
      auth = xauth
      xauth_id = ${quote(config.username)}
    }
    remote {
      auth = psk
      id = ${LAB_ADDRESSES.gateway}
    }
    children {
      ${CONNECTION} {
        # the Unity plugin narrows this to the gateway's split-include
        remote_ts = 0.0.0.0/0
        esp_proposals = ${config.espProposal}
      }
    }
  }
}
secrets {
  ike-group {
    id = ${quote(`keyid:${config.group}`)}
    secret = ${quote(config.groupPsk)}
  }
  xauth-user {
    id = ${quote(config.username)}
    secret = ${quote(config.password)}
  }
}
`;
}

/** A running charon client; `initiate()` / `terminate()` are swanctl against it. */
export class CharonClient {
  private constructor(
    private readonly child: ChildProcess,
    private readonly files: { conf: string; swanctlDir: string; vici: string; log: string },
  ) {}

  /** Writes the config under `<lab.dir>/charon-client`, starts charon and loads the config. */
  static async start(lab: Lab, config: CharonClientConfig): Promise<CharonClient> {
    const dir = join(lab.dir, 'charon-client');
    const swanctlDir = join(dir, 'swanctl');
    const files = {
      conf: join(dir, 'strongswan.conf'),
      swanctlDir,
      vici: join(dir, 'charon.vici'),
      log: join(dir, 'charon.log'),
    };
    mkdirSync(swanctlDir, { recursive: true });
    rmSync(files.vici, { force: true });
    writeFileSync(files.conf, strongswanConf(files.log, files.vici));
    writeFileSync(join(swanctlDir, 'swanctl.conf'), swanctlConf(config), { mode: 0o600 });
    // privateRun: charon's pid file is hard-wired to /run/charon.pid
    const child = lab.spawnInClient(CHARON, [], {
      privateRun: true,
      env: { ...process.env, STRONGSWAN_CONF: files.conf },
      stdio: 'ignore',
    });
    const client = new CharonClient(child, files);
    try {
      await client.waitForVici();
      await client.swanctl(['--load-all']);
    } catch (error) {
      await client.stop();
      throw error;
    }
    return client;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private async waitForVici(): Promise<void> {
    const deadline = performance.now() + VICI_TIMEOUT_MS;
    while (!existsSync(this.files.vici)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`charon (client) exited before opening vici; ${this.logTail()}`);
      if (performance.now() > deadline)
        throw new Error(`charon (client) opened no vici socket in ${VICI_TIMEOUT_MS} ms`);
      await delay(POLL_MS);
    }
  }

  swanctl(args: string[]): Promise<RunResult> {
    return run(SWANCTL, [...args, '--uri', `unix://${this.files.vici}`], {
      timeoutMs: 20_000,
      env: { ...process.env, STRONGSWAN_CONF: this.files.conf, SWANCTL_DIR: this.files.swanctlDir },
    });
  }

  /** Returns once the child SA is installed (swanctl waits for the result). */
  async initiate(): Promise<void> {
    try {
      await this.swanctl(['--initiate', '--child', CONNECTION]);
    } catch (error) {
      throw new Error(`charon (client) did not connect; ${this.logTail()}`, { cause: error });
    }
  }

  async terminate(): Promise<void> {
    await this.swanctl(['--terminate', '--ike', CONNECTION]);
  }

  private logTail(lines = 15): string {
    const log = existsSync(this.files.log) ? readFileSync(this.files.log, 'utf8') : '';
    return `charon client log:\n${log.trimEnd().split('\n').slice(-lines).join('\n')}`;
  }

  /** SIGTERM: charon deletes its SAs, removes ipsec0 and its routes. */
  stop(): Promise<void> {
    return terminate(this.child);
  }
}
