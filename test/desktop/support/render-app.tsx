// Renders renderer components against a real AppStore whose client talks to a real VpnService
// (fake engine) through the IPC contract, as the running app does.
import { type RenderResult, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createServiceHandlers } from '../../../app/main/service/handlers.js';
import { createIpcClient } from '../../../app/shared/ui/ipc-client.js';
import { AppStore } from '../../../app/renderer/state/app-store.js';
import { StoreContext } from '../../../app/renderer/ui/hooks.js';
import { memoryTransport } from './memory-transport.js';
import type { ServiceFixture } from './service-fixture.js';

export async function storeFor(fixture: ServiceFixture): Promise<AppStore> {
  const handlers = createServiceHandlers(fixture.service, { host: 'web', version: '0.1.0' });
  const store = new AppStore(
    createIpcClient(memoryTransport(handlers, (listener) => fixture.service.on(listener))),
  );
  await store.start();
  return store;
}

export function renderWith(store: AppStore, ui: ReactNode): RenderResult {
  return render(<StoreContext.Provider value={store}>{ui}</StoreContext.Provider>);
}
