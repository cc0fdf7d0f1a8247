// How engine events change the service snapshot: the SA details, network, counters and the
// engine's state that a UI shows. Pure, so it is the same for a live UI and a late one.
import type { EngineEvent } from '../../shared/events.js';
import type { ServiceSnapshot } from '../../shared/ui/ipc-schemas.js';

export function initialSnapshot(keychain: ServiceSnapshot['keychain']): ServiceSnapshot {
  return { phase: 'idle', engineState: 'idle', ipsec: [], warnings: [], keychain };
}

/** The snapshot with the SA, network and failure details of a new attempt cleared. */
export function freshAttempt(snapshot: ServiceSnapshot): ServiceSnapshot {
  const {
    failure: _failure,
    ike: _ike,
    network: _network,
    counters: _counters,
    connectedAt: _connectedAt,
    diagnosis: _diagnosis,
    ...rest
  } = snapshot;
  return { ...rest, engineState: 'idle', ipsec: [], warnings: [] };
}

export function applyEngineEvent(snapshot: ServiceSnapshot, event: EngineEvent): ServiceSnapshot {
  switch (event.type) {
    case 'state':
      return { ...snapshot, engineState: event.state };
    case 'sa':
      if (event.kind === 'ike') return { ...snapshot, ike: event };
      return {
        ...snapshot,
        ipsec:
          event.status === 'installed'
            ? [...snapshot.ipsec.filter((sa) => sa.id !== event.id), event]
            : snapshot.ipsec.filter((sa) => sa.id !== event.id),
      };
    case 'network':
      return { ...snapshot, network: event };
    case 'counters':
      return { ...snapshot, counters: event };
    case 'error':
      if (event.code === 'cancelled') return snapshot;
      return {
        ...snapshot,
        failure: {
          code: event.code,
          message: event.message,
          failedAt: event.failedAt,
          at: event.at,
        },
      };
    case 'warning':
      return snapshot.warnings.some((w) => w.code === event.code && w.message === event.message)
        ? snapshot
        : { ...snapshot, warnings: [...snapshot.warnings, event] };
    case 'diagnosis': {
      if (!event.cleared) return { ...snapshot, diagnosis: event };
      if (snapshot.diagnosis?.code !== event.code) return snapshot;
      const { diagnosis: _cleared, ...rest } = snapshot;
      return rest;
    }
    case 'log':
      return snapshot;
  }
}

/** Counters and logs stream as engine events of their own; everything else re-sends the snapshot. */
export function changesSnapshotView(event: EngineEvent): boolean {
  return event.type !== 'counters' && event.type !== 'log';
}
