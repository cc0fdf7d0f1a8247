// Fan-out of engine events to listeners; a throwing listener cannot break the engine.
import type { EngineEvent } from '../shared/events.js';

export class EventHub {
  private readonly listeners = new Set<(event: EngineEvent) => void>();

  on(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a renderer bug must not take the tunnel down
      }
    }
  }
}
