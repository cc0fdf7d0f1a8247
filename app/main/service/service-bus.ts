// The service's outbound side: numbers every engine event, keeps the log ring and the snapshot,
// and fans everything out to the connected UIs (Electron window, web sockets, tray).
import { randomUUID } from 'node:crypto';
import type { EngineEvent, LogLevel, Phase } from '../../shared/events.js';
import type { EventMessage } from '../../shared/ui/ipc.js';
import type { Notice, ServiceSnapshot } from '../../shared/ui/ipc-schemas.js';
import { LogRing } from './log-ring.js';
import { applyEngineEvent, changesSnapshotView } from './snapshot-reducer.js';

export type ServiceListener = (message: EventMessage) => void;

export class ServiceBus {
  readonly logs: LogRing;
  private seq = 0;
  private readonly listeners = new Set<ServiceListener>();

  constructor(
    private current: ServiceSnapshot,
    logCapacity: number,
  ) {
    this.logs = new LogRing(logCapacity);
  }

  get snapshot(): ServiceSnapshot {
    return this.current;
  }

  get lastSeq(): number {
    return this.seq;
  }

  on(listener: ServiceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  engineEvent(event: EngineEvent): void {
    const seq = ++this.seq;
    if (event.type === 'log') this.logs.push({ seq, event });
    this.emit({ name: 'engine', payload: { seq, event } });
    this.current = applyEngineEvent(this.current, event);
    if (changesSnapshotView(event)) this.emit({ name: 'snapshot', payload: this.current });
    // the log pane and the saved log keep warnings too
    if (event.type === 'warning') this.log('warn', event.message);
  }

  /** the service's own log lines, in the same stream as the engine's */
  log(level: LogLevel, message: string, phase: Phase = 'session'): void {
    this.engineEvent({ type: 'log', at: Date.now(), level, phase, message });
  }

  update(change: (snapshot: ServiceSnapshot) => ServiceSnapshot): void {
    this.current = change(this.current);
    this.emit({ name: 'snapshot', payload: this.current });
  }

  notice(code: Notice['code'], level: Notice['level'], message: string): void {
    this.emit({
      name: 'notice',
      payload: { id: randomUUID(), at: Date.now(), code, level, message },
    });
    this.log(level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'info', message);
  }

  private emit(message: EventMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        // one broken UI connection must not stop the others (or the engine)
        this.listeners.delete(listener);
        console.error(
          `roadwarrior: dropped an event listener that threw: ${(error as Error).message}`,
        );
      }
    }
  }
}
