// React access to the app store, and small hooks the views share.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useState,
  useSyncExternalStore,
} from 'react';
import { IpcError } from '../../shared/ui/ipc-client.js';
import type { AppState, AppStore } from '../state/app-store.js';

export const StoreContext = createContext<AppStore | null>(null);

export function useStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('no AppStore: wrap the UI in <StoreContext.Provider>');
  return store;
}

/** select must return a part of the state as is (no new objects), or it re-renders forever */
export function useAppState<T>(select: (state: AppState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => select(store.state));
}

/** the time, refreshed every intervalMs: for countdowns and "seconds ago" */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export interface ActionState {
  busy: boolean;
  error: IpcError | undefined;
}

/** Runs a request, tracking busy and the plain-language error (never a stack trace). */
export function useAction<A extends unknown[], R>(
  action: (...args: A) => Promise<R>,
): [(...args: A) => Promise<R | undefined>, ActionState, () => void] {
  const [state, setState] = useState<ActionState>({ busy: false, error: undefined });
  const run = useCallback(
    async (...args: A) => {
      setState({ busy: true, error: undefined });
      try {
        const result = await action(...args);
        setState({ busy: false, error: undefined });
        return result;
      } catch (error) {
        const ipcError =
          error instanceof IpcError
            ? error
            : new IpcError({ code: 'internal', message: (error as Error).message });
        setState({ busy: false, error: ipcError });
        return undefined;
      }
    },
    [action],
  );
  const clear = useCallback(() => setState({ busy: false, error: undefined }), []);
  return [run, state, clear];
}
