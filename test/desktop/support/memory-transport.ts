// The IPC contract carried by plain function calls: the dispatcher on one side, the renderer's
// client on the other. What Electron and the web socket do, minus the wire.
import type { EventMessage, InvokeHandlers, IpcTransport } from '../../../app/shared/ui/ipc.js';
import { createDispatcher } from '../../../app/main/ipc/dispatcher.js';

export function memoryTransport(
  handlers: InvokeHandlers,
  subscribe: (listener: (message: EventMessage) => void) => () => void,
): IpcTransport {
  const dispatch = createDispatcher(handlers);
  return {
    // a structured-clone round trip, as over Electron IPC: nothing by reference
    invoke: async (name, input) => structuredClone(await dispatch(name, structuredClone(input))),
    subscribe: (listener) => subscribe((message) => listener(structuredClone(message))),
  };
}
