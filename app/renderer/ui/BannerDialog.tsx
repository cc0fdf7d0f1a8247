// The gateway's banner (Cisco Unity BANNER), shown once per session for acknowledgement.
import type { Banner } from '../../shared/ui/ipc.js';
import { Dialog } from './Dialog.js';
import { useAction, useStore } from './hooks.js';

export function BannerDialog({ banner }: { banner: Banner }) {
  const store = useStore();
  const [acknowledge, state] = useAction((accept: boolean) =>
    store.client.invoke('banner.acknowledge', { id: banner.id, accept }),
  );
  return (
    <Dialog title="Message from the gateway" onCancel={() => void acknowledge(false)}>
      <pre className="banner-text" data-testid="banner-text">
        {banner.text}
      </pre>
      {state.error && (
        <p className="alert alert-error" role="alert">
          {state.error.message}
        </p>
      )}
      <div className="dialog-actions">
        <button
          type="button"
          className="button"
          onClick={() => void acknowledge(false)}
          disabled={state.busy}
        >
          Decline and disconnect
        </button>
        <button
          type="button"
          className="button primary"
          onClick={() => void acknowledge(true)}
          disabled={state.busy}
          data-autofocus
        >
          Accept
        </button>
      </div>
    </Dialog>
  );
}
