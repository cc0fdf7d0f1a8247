// One browser tab on the web host: invoke frames go through the dispatcher (which validates
// them against the contract), results and service events go back as JSON frames.
import type { WebSocket } from 'ws';
import { ClientFrameSchema, type ServerFrame } from '../../shared/ui/ipc-socket.js';
import type { Dispatch } from '../ipc/dispatcher.js';
import type { VpnService } from '../service/vpn-service.js';

/** a tab that falls this far behind is dropped; it reconnects and catches up with logs.read */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export function serveSocket(socket: WebSocket, service: VpnService, dispatch: Dispatch): void {
  const send = (frame: ServerFrame) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'too slow: reconnect and catch up');
      return;
    }
    socket.send(JSON.stringify(frame));
  };
  const unsubscribe = service.on((message) => send({ t: 'event', ...message }));
  socket.on('close', unsubscribe);
  socket.on('message', (data, isBinary) => {
    const frame = isBinary ? undefined : parseFrame(data.toString());
    if (!frame) {
      socket.close(1008, 'invalid frame');
      return;
    }
    void dispatch(frame.name, frame.input).then((result) =>
      send({ t: 'result', id: frame.id, result }),
    );
  });
}

function parseFrame(text: string): { id: number; name: string; input?: unknown } | undefined {
  try {
    const parsed = ClientFrameSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
