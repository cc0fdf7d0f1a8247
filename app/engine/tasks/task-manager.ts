// The order of the exchanges we start on one connection (libcharon's task manager is the
// model): tasks wait in a queue and run one at a time, so a re-authentication waits for a
// rekey under way instead of polling for its end. A task is one or more exchanges (steps): a
// re-authentication is phase 1, XAuth, Mode Config and Quick Mode with nothing in between.
// The gateway's own exchanges (its Quick Mode, DPD, informational) are answered as they come,
// outside the queue; what they learn about our running exchange (a refusal) reaches it
// through interrupt().
import { EngineError } from '../api.js';

export type TaskName =
  | 'connect'
  | 'rekey'
  | 'reauthenticate'
  | 'replace-deleted'
  /** an ESP SA that reached a hard limit in the data plane (sequence space, kilobytes) */
  | 'replace-expired'
  /** a configuration the gateway pushed after Mode Config, applied to the tunnel */
  | 'apply-mode-config';
/** the exchanges a task is made of */
export type StepName = 'phase1' | 'xauth' | 'mode-config' | 'quick-mode';

export interface Task<T = void> {
  readonly name: TaskName;
  run(): Promise<T>;
}

interface Queued {
  task: Task<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class TaskManager {
  private readonly waiting: Queued[] = [];
  private running: TaskName | undefined;
  private step: { name: StepName; abort: AbortController } | undefined;
  /** aborts with close(): every task after that, queued or running, is cancelled */
  private readonly lifetime = new AbortController();

  /** the exchange under way: the running task's step, or the task itself */
  get active(): StepName | TaskName | undefined {
    return this.step?.name ?? this.running;
  }

  /** phase 1's IKE SA is being made: phase 1, XAuth or Mode Config under way */
  get authenticating(): boolean {
    const { active } = this;
    return active === 'phase1' || active === 'xauth' || active === 'mode-config';
  }

  get closed(): boolean {
    return this.lifetime.signal.aborted;
  }

  /** open with no task running or waiting */
  get idle(): boolean {
    return !this.closed && !this.running && this.waiting.length === 0;
  }

  /** aborts once the connection ends: for work that waits on others (a prompt, a helper) */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  /** Runs `task` after those queued before it; settles as it does, or with 'cancelled' once
   * the manager is closed (a cancelled task's late result goes nowhere). */
  queue<T>(task: Task<T>): Promise<T> {
    if (this.closed) return Promise.reject(cancelled());
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ task, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.next();
    });
  }

  /** One exchange of the running task. Its signal aborts on interrupt() (the reason is the
   * news, for the exchange to act on) and on close(). */
  async inStep<T>(name: StepName, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.checkOpen();
    const step = { name, abort: new AbortController() };
    const onClose = () => step.abort.abort(this.lifetime.signal.reason);
    this.lifetime.signal.addEventListener('abort', onClose, { once: true });
    this.step = step;
    try {
      return await work(step.abort.signal);
    } finally {
      this.lifetime.signal.removeEventListener('abort', onClose);
      if (this.step === step) this.step = undefined;
    }
  }

  /** Tells the running exchange `error` through its signal; false when no exchange runs, so
   * the caller decides what the news means on its own. */
  interrupt(error: EngineError): boolean {
    if (!this.step) return false;
    this.step.abort.abort(error);
    return true;
  }

  /** Cancels the running task and everything queued; nothing runs after this. */
  close(): void {
    if (this.closed) return;
    this.lifetime.abort(cancelled());
    for (const queued of this.waiting.splice(0)) queued.reject(cancelled());
  }

  /** Throws 'cancelled' once the manager is closed: a task checks it after each await. */
  checkOpen(): void {
    if (this.closed) throw cancelled();
  }

  private async next(): Promise<void> {
    for (let queued = this.waiting.shift(); queued; queued = this.waiting.shift()) {
      this.running = queued.task.name;
      try {
        queued.resolve(await untilAborted(queued.task.run(), this.lifetime.signal));
      } catch (error) {
        queued.reject(error);
      } finally {
        this.running = undefined;
      }
    }
  }
}

/** `work`, or the abort reason once `signal` aborts first (the work's own result is then
 * dropped). For work that takes no signal itself. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      reject(signal.reason as Error);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function cancelled(): EngineError {
  return new EngineError('cancelled', 'cancelled by the user');
}
