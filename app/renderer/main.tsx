// The renderer's entry: pick the transport (Electron preload or web socket), start the store,
// render the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createIpcClient } from '../shared/ui/ipc-client.js';
import { selectTransport } from './bridge/select-transport.js';
import { AppStore } from './state/app-store.js';
import { App } from './ui/App.js';
import { StoreContext } from './ui/hooks.js';
import { applyTheme, loadTheme } from './ui/theme.js';
import './styles.css';

applyTheme(loadTheme());
const transport = selectTransport();
const store = new AppStore(createIpcClient(transport));
void store.start('onLink' in transport ? (listener) => transport.onLink(listener) : undefined);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
