// Inside Electron the preload exposes the contract as window.roadwarrior; in a browser the page
// came from the web host and talks to it over its socket. Same contract either way.
import type { RoadwarriorBridge } from '../../shared/ui/ipc.js';
import { type LinkedTransport, createWebSocketTransport, socketUrlFor } from './ws-transport.js';

declare global {
  interface Window {
    roadwarrior?: RoadwarriorBridge;
  }
}

export function selectTransport(): RoadwarriorBridge | LinkedTransport {
  return window.roadwarrior ?? createWebSocketTransport(socketUrlFor(window.location));
}
