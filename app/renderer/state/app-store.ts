// Everything the UI shows except the log lines: the service snapshot, profiles, notices, link
// state and counter history. One immutable state object, replaced on change, for
// useSyncExternalStore.
import type { IpcClient } from '../../shared/ui/ipc-client.js';
import type {
  AppInfo,
  CountersEvent,
  EngineEvent,
  Notice,
  Profile,
  ServiceSnapshot,
} from '../../shared/ui/ipc.js';
import type { LinkState } from '../bridge/ws-transport.js';
import { LogStore } from './log-store.js';
import { type ThroughputSample, appendSample, rateBetween } from './throughput.js';

export interface AppState {
  link: LinkState;
  info?: AppInfo;
  snapshot?: ServiceSnapshot;
  profiles: Profile[];
  profileProblems: { file: string; message: string }[];
  /** names of the profiles an administrator manages (read-only) */
  managedProfiles: string[];
  notices: Notice[];
  throughput: ThroughputSample[];
  /** the latest counters (also between snapshots) */
  counters?: CountersEvent;
}

const NOTICES_KEPT = 5;

export class AppStore {
  state: AppState = {
    link: 'connecting',
    profiles: [],
    profileProblems: [],
    managedProfiles: [],
    notices: [],
    throughput: [],
  };
  readonly logs: LogStore;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly client: IpcClient,
    logCapacity?: number,
  ) {
    this.logs = new LogStore(logCapacity);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): AppState => this.state;

  /** Subscribes first, then reads, so nothing falls between the two. */
  async start(onLink?: (listener: (state: LinkState) => void) => void): Promise<void> {
    this.client.on('engine', ({ seq, event }) => this.onEngineEvent(seq, event));
    // a snapshot without counters starts a new attempt: the old rates no longer apply
    this.client.on('snapshot', (snapshot) =>
      this.set(
        snapshot.counters ? { snapshot } : { snapshot, counters: undefined, throughput: [] },
      ),
    );
    this.client.on('notice', (notice) => {
      this.set({ notices: [...this.state.notices, notice].slice(-NOTICES_KEPT) });
      // a profile file opened with the app: the list gains it
      if (notice.code === 'profile-imported') void this.refreshProfiles();
    });
    if (onLink) {
      onLink((link) => {
        this.set({ link });
        if (link === 'open') void this.resync();
      });
    } else {
      this.set({ link: 'open' });
      await this.resync();
    }
  }

  async refreshProfiles(): Promise<void> {
    const { profiles, problems, managed } = await this.client.invoke('profiles.list');
    this.set({ profiles, profileProblems: problems, managedProfiles: managed });
  }

  dismissNotice(id: string): void {
    this.set({ notices: this.state.notices.filter((n) => n.id !== id) });
  }

  private async resync(): Promise<void> {
    this.logs.holdLive();
    const [info, snapshot, backlog] = await Promise.all([
      this.client.invoke('app.info'),
      this.client.invoke('connection.status'),
      this.client.invoke('logs.read', { afterSeq: this.logs.newestSeq }),
      this.refreshProfiles(),
    ]);
    this.set({ info, snapshot, counters: snapshot.counters });
    this.logs.loadBacklog(backlog.records);
  }

  private onEngineEvent(seq: number, event: EngineEvent): void {
    if (event.type === 'log') this.logs.add({ seq, event });
    else if (event.type === 'counters') {
      const sample = rateBetween(this.state.counters, event);
      const throughput = sample
        ? appendSample(this.state.throughput, sample)
        : this.state.throughput;
      this.set({ counters: event, throughput });
    }
  }

  private set(change: Partial<AppState>): void {
    this.state = { ...this.state, ...change };
    this.listeners.forEach((l) => l());
  }
}
