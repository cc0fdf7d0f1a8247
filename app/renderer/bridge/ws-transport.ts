// The IPC contract over the web host's socket. The access token is the first segment of the
// page's path (http://127.0.0.1:PORT/TOKEN/). The socket reconnects by itself; the app store
// re-reads the service state when the link comes back.
import type { EventMessage, InvokeName, IpcResult, IpcTransport } from '../../shared/ui/ipc.js';
import type { ClientFrame, ServerFrame } from '../../shared/ui/ipc-socket.js';
import { SOCKET_PATH } from '../../shared/ui/ipc-socket.js';

export type LinkState = 'connecting' | 'open' | 'lost';

export interface LinkedTransport extends IpcTransport {
  onLink(listener: (state: LinkState) => void): () => void;
}

const RETRY_MS = [250, 500, 1000, 2000, 5000];

export function socketUrlFor(location: Pick<Location, 'protocol' | 'host' | 'pathname'>): string {
  const token = location.pathname.split('/')[1] ?? '';
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/${token}/${SOCKET_PATH}`;
}

export function createWebSocketTransport(url: string): LinkedTransport {
  const listeners = new Set<(message: EventMessage) => void>();
  const linkListeners = new Set<(state: LinkState) => void>();
  const pending = new Map<number, (result: IpcResult<unknown>) => void>();
  let socket: WebSocket;
  let nextId = 1;
  let failures = 0;
  /** invokes made while the link is down wait for it */
  let waiting: (() => void)[] = [];

  const setLink = (state: LinkState) => linkListeners.forEach((l) => l(state));

  const open = () => {
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      failures = 0;
      setLink('open');
      const ready = waiting;
      waiting = [];
      ready.forEach((go) => go());
    });
    socket.addEventListener('message', (event: MessageEvent<string>) => {
      const frame = JSON.parse(event.data) as ServerFrame;
      if (frame.t === 'result') {
        pending.get(frame.id)?.(frame.result);
        pending.delete(frame.id);
      } else {
        const { t: _t, ...message } = frame;
        listeners.forEach((l) => l(message as EventMessage));
      }
    });
    socket.addEventListener('close', () => {
      for (const resolve of pending.values()) {
        resolve({
          ok: false,
          error: { code: 'internal', message: 'lost the connection to the Roadwarrior service' },
        });
      }
      pending.clear();
      setLink('lost');
      setTimeout(open, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
    });
  };
  open();

  return {
    async invoke(name: InvokeName, input: unknown) {
      if (socket.readyState !== WebSocket.OPEN) await new Promise<void>((go) => waiting.push(go));
      const id = nextId++;
      return new Promise<IpcResult<unknown>>((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ t: 'invoke', id, name, input } satisfies ClientFrame));
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onLink(listener) {
      linkListeners.add(listener);
      return () => linkListeners.delete(listener);
    },
  };
}
