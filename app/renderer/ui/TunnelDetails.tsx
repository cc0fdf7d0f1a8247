// What the gateway handed out through Mode Config and what the tunnel uses: address, DNS,
// domain, split networks, in the words of app/shared/ui/event-text.ts.
import { tunnelDetails } from '../../shared/ui/event-text.js';
import type { NetworkEvent } from '../../shared/ui/ipc.js';
import { DetailsCard } from './KeyValues.js';

export function TunnelCard({
  network,
  connectedAt,
  now,
}: {
  network: NetworkEvent;
  connectedAt: number | undefined;
  now: number;
}) {
  return <DetailsCard details={tunnelDetails(network, connectedAt, now)} />;
}
