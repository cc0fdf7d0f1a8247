// Re-authentication (a queued task): strongSwan and most head-ends cannot rekey an IKEv1 phase
// 1, so before the IKE SA expires we make a new one (phase 1, XAuth, Mode Config) and fresh ESP
// SAs under it while the current ones keep carrying traffic; after a grace period the old ESP
// SAs and the old IKE SA are deleted.
import type { ModeConfigResult } from '../../shared/network-setup.js';
import type { ChildSa, ChildSas } from '../child-sas.js';
import { deleteIkeSa } from '../exchanges/informational.js';
import type { IkeSaHolder } from '../ike-sa-holder.js';
import type { Logger } from '../logger.js';
import type { Phase1Result } from '../phase1.js';
import { REKEY_GRACE_MS, rekeyDelayMs } from '../rekey-timing.js';
import type { TaskName } from './task-manager.js';

/** What a re-authentication acts on. */
export interface ReauthenticationSession {
  readonly log: Logger;
  readonly childSas: ChildSas;
  ike(): IkeSaHolder;
  /** phase 1, XAuth and Mode Config without initial contact: the new IKE SA becomes current */
  authenticate(): Promise<ModeConfigResult>;
  modeConfig(): ModeConfigResult;
  setModeConfig(config: ModeConfigResult): void;
  /** takes the tunnel's network down and sets it up again with `config` */
  reconfigure(config: ModeConfigResult): Promise<void>;
  /** DPD on the given IKE SA, or off (undefined) while a new one is made */
  runDpd(phase1: Phase1Result | undefined): void;
  /** queues the work as a task after those before it, unless it is no longer `due` by then */
  renew(name: TaskName, detail: string, work: () => Promise<unknown>, due: () => boolean): void;
}

export class Reauthentication {
  private timer: NodeJS.Timeout | undefined;
  /** the old IKE SA's retirement after a re-authentication */
  private retireTimer: NodeJS.Timeout | undefined;

  constructor(private readonly session: ReauthenticationSession) {}

  /** Re-authenticate before `phase1` expires, with the same margin and jitter as an ESP
   * rekey. */
  schedule(phase1: Phase1Result): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () =>
        this.session.renew(
          'reauthenticate',
          'the IKE SA expires: re-authenticating',
          () => this.run(phase1),
          // a task before it (an ESP rekey) runs first; it may have ended the connection
          () => this.session.ike().current === phase1,
        ),
      rekeyDelayMs(phase1.lifetimeSeconds),
    );
  }

  /** Stops both timers: the connection ends. */
  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retireTimer);
  }

  private async run(old: Phase1Result): Promise<void> {
    const { session } = this;
    const oldChildren = session.childSas.current();
    const oldConfig = session.modeConfig();
    // the old IKE SA's DPD answers would no longer reach us
    session.runDpd(undefined);
    const config = await session.authenticate();
    const phase1 = session.ike().require();
    session.setModeConfig(config);
    await session.childSas.establish(true);
    if (
      config.internalIp4 !== oldConfig.internalIp4 ||
      config.internalIp4Netmask !== oldConfig.internalIp4Netmask ||
      config.internalIp6 !== oldConfig.internalIp6
    ) {
      session.log.info('modecfg', 'the gateway assigned another address: reconfiguring');
      await session.reconfigure(config);
    }
    // the old ESP SAs are not rekeyed any more: they go with the old IKE SA
    session.childSas.stopRekeys(oldChildren);
    session.runDpd(phase1);
    this.schedule(phase1);
    this.retireTimer = setTimeout(() => void this.retire(old, oldChildren), REKEY_GRACE_MS).unref();
  }

  /** DELETE the old ESP SAs, then the old IKE SA. The ESP DELETEs go through the new IKE SA:
   * IKEv1 does not tie an ESP SA to one IKE SA, and strongSwan moves the ESP SAs of a
   * re-authenticated peer to its new IKE SA, where it looks them up. */
  private async retire(old: Phase1Result, children: ChildSa[]): Promise<void> {
    const ike = this.session.ike();
    for (const child of children) await this.session.childSas.retire(child, ike.current);
    ike.sendInformational(deleteIkeSa(old.sa), old);
    this.session.log.info('phase1', 'deleted the previous IKE SA');
  }
}
