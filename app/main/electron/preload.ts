// The sandboxed preload: exposes exactly the IPC contract's bridge (invoke by name, subscribe to
// events) as window.roadwarrior, and nothing of Electron or Node.
import { type IpcRendererEvent, contextBridge, ipcRenderer } from 'electron';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../shared/ui/ipc-channels.js';
import type { EventMessage, IpcResult, RoadwarriorBridge } from '../../shared/ui/ipc.js';

const bridge: RoadwarriorBridge = {
  invoke: (name, input) =>
    ipcRenderer.invoke(INVOKE_CHANNEL, name, input) as Promise<IpcResult<unknown>>,
  subscribe: (listener) => {
    const forward = (_event: IpcRendererEvent, message: EventMessage) => listener(message);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.off(EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('roadwarrior', bridge);
