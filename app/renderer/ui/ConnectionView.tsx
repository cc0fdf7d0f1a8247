// One profile's connection: connect/disconnect/cancel, the headline, the steps, and once up,
// the tunnel, SA details and live counters.
import {
  AUTH_METHODS,
  type CountersEvent,
  type Profile,
  type ServiceSnapshot,
} from '../../shared/ui/ipc.js';
import { CountersPanel } from './CountersPanel.js';
import { DiagnosisPanel } from './DiagnosisPanel.js';
import { PhaseStepper } from './PhaseStepper.js';
import { CopyDetails, IkeSaCard, IpsecSaCard, SecurityNotes } from './SaDetails.js';
import { FailureCard, ReconnectCard, headline } from './StatusCards.js';
import { TunnelCard } from './TunnelDetails.js';
import { useAction, useAppState, useNow, useStore } from './hooks.js';

export function ConnectionView({
  profile,
  onShowLog,
}: {
  profile: Profile;
  onShowLog: () => void;
}) {
  const store = useStore();
  const snapshot = useAppState((s) => s.snapshot);
  const counters = useAppState((s) => s.counters);
  const throughput = useAppState((s) => s.throughput);
  const now = useNow();
  const [connect, connecting] = useAction(() =>
    store.client.invoke('connection.connect', { profile: profile.name }),
  );
  const [disconnect, disconnecting] = useAction(() => store.client.invoke('connection.disconnect'));

  const mine = snapshot?.profile === profile.name ? snapshot : undefined;
  const phase = mine?.phase ?? 'idle';
  const otherActive =
    snapshot && snapshot.profile !== profile.name && !['idle', 'failed'].includes(snapshot.phase);
  const running = phase === 'connecting' || phase === 'reconnecting' || phase === 'disconnecting';
  const error = connecting.error ?? disconnecting.error;

  return (
    <div className="connection">
      <div className="connection-head">
        <div>
          <h2 className={`headline headline-${phase}`} data-testid="headline" aria-live="polite">
            {headline(mine, profile.gateway)}
          </h2>
          <p className="subtle">
            {profile.gateway} · group {profile.group}
            {profile.username ? ` · user ${profile.username}` : ''}
          </p>
        </div>
        <div className="actions">
          {phase === 'connected' && (
            <button
              type="button"
              className="button"
              onClick={() => void disconnect()}
              disabled={disconnecting.busy}
            >
              Disconnect
            </button>
          )}
          {running && (
            <button
              type="button"
              className="button"
              onClick={() => void disconnect()}
              disabled={phase === 'disconnecting'}
            >
              Cancel
            </button>
          )}
          {(phase === 'idle' || phase === 'failed') && (
            <button
              type="button"
              className="button primary"
              onClick={() => void connect()}
              disabled={connecting.busy || Boolean(otherActive)}
            >
              {phase === 'failed' ? 'Try again' : 'Connect'}
            </button>
          )}
        </div>
      </div>
      {otherActive && (
        <p className="alert alert-info" role="status">
          Connected with “{snapshot?.profile}”. Disconnect it before connecting this profile.
        </p>
      )}
      {error && (
        <p className="alert alert-error" role="alert">
          {error.message}
        </p>
      )}
      {mine?.diagnosis && <DiagnosisPanel diagnosis={mine.diagnosis} />}
      {mine?.failure && phase === 'failed' && !mine.diagnosis && (
        <FailureCard failure={mine.failure} onShowLog={onShowLog} />
      )}
      {mine?.reconnect && <ReconnectCard reconnect={mine.reconnect} now={now} />}
      <PhaseStepper
        snapshot={mine ?? { phase: 'idle', engineState: 'idle' }}
        xauthUsed={AUTH_METHODS[profile.authMethod].xauth}
      />
      {mine && <Details snapshot={mine} counters={counters} now={now} />}
      {phase === 'connected' && <CountersPanel counters={counters} throughput={throughput} />}
    </div>
  );
}

/** Tunnel and IPsec SAs on the left, the IKE SA on the right (or alone, before phase 2) */
function Details({
  snapshot,
  counters,
  now,
}: {
  snapshot: ServiceSnapshot;
  counters: CountersEvent | undefined;
  now: number;
}) {
  const left = [
    ...(snapshot.network
      ? [
          <TunnelCard
            key="tunnel"
            network={snapshot.network}
            connectedAt={snapshot.connectedAt}
            now={now}
          />,
        ]
      : []),
    ...snapshot.ipsec.map((sa) => <IpsecSaCard key={sa.id} sa={sa} now={now} />),
  ];
  const ike = snapshot.ike ? (
    <>
      <SecurityNotes key="notes" warnings={snapshot.warnings} />
      <IkeSaCard key="ike" ike={snapshot.ike} counters={counters} now={now} />
    </>
  ) : undefined;
  if (!left.length && !ike) return null;
  return (
    <>
      <div className="details">
        <div className="details-column">{left.length ? left : ike}</div>
        {left.length > 0 && <div className="details-column">{ike}</div>}
      </div>
      <p className="details-actions">
        <CopyDetails snapshot={snapshot} counters={counters} now={now} />
      </p>
    </>
  );
}
