// What the connection needs of the diagnosis: the diagnoser, its context from the connect
// options, the IKE tap, and ICMP errors recognised in the data plane's reports.
import type { ConnectOptions } from '../api.js';
import { DEFAULT_RETRANSMIT } from '../messenger.js';
import { offeredEspProposals, offeredIkeProposals } from '../proposals.js';
import type { DiagnosisContext } from './diagnoser.js';

export { Diagnoser } from './diagnoser.js';
export { TappedIkeChannel } from './ike-tap.js';

export function diagnosisContext(options: ConnectOptions): DiagnosisContext {
  const { profile } = options;
  return {
    gateway: profile.gateway,
    gatewayPort: profile.gatewayPort,
    gatewayNattPort: profile.gatewayNattPort,
    retransmit: options.timing ?? DEFAULT_RETRANSMIT,
    dpd: { delaySeconds: profile.dpdDelaySeconds, retries: profile.dpdRetries },
    phase1Offers: offeredIkeProposals(profile).map((p) => p.text),
    phase2Offers: offeredEspProposals(profile).map((p) => p.text),
    pfs: profile.pfs,
  };
}

/** The errno a connected UDP socket reports when ICMP says "unreachable" (the data plane
 * reports a socket error as a log line naming it: app/dataplane/in-process-channel.ts). */
const ICMP_ERRNOS = /\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN)\b/;

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'port unreachable (ECONNREFUSED)',
  EHOSTUNREACH: 'host unreachable (EHOSTUNREACH)',
  ENETUNREACH: 'network unreachable (ENETUNREACH)',
  EHOSTDOWN: 'host down (EHOSTDOWN)',
};

export function unreachableDetail(dataPlaneMessage: string): string | undefined {
  const errno = ICMP_ERRNOS.exec(dataPlaneMessage)?.[1];
  return errno ? ERRNO_TEXT[errno] : undefined;
}
