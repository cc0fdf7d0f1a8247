// How the CLI shows engine events: one JSON object per line (--json), or short human lines.
import type { DiagnosisEvent, EngineEvent, LogLevel } from '../shared/events.js';
import { diagnosisText } from '../shared/ui/diagnosis-text.js';
import { logLevels } from '../shared/events.js';
import { printable, terminalSafeJson } from './printable.js';

export type Renderer = (event: EngineEvent) => void;

export function jsonRenderer(write: (line: string) => void): Renderer {
  return (event) => write(`${terminalSafeJson(event)}\n`);
}

const STATE_TEXT: Partial<Record<string, string>> = {
  'am1-sent': 'phase 1: aggressive mode message 1 sent',
  'am2-received': 'phase 1: gateway answered (message 2)',
  'am3-sent': 'phase 1: authenticated, message 3 sent',
  xauth: 'XAuth: the gateway asks for credentials',
  modecfg: 'Mode Config: asking for address and settings',
  'qm1-sent': 'phase 2: Quick Mode proposal sent',
  'qm2-received': 'phase 2: gateway chose a transform',
  'qm3-sent': 'phase 2: SA established',
  rekeying: 'rekeying',
  reconnecting: 'reconnecting',
  disconnecting: 'disconnecting',
  disconnected: 'disconnected',
};

/** Every line is made printable: the events quote text the gateway chose. */
export function humanRenderer(writeRaw: (line: string) => void, level: LogLevel): Renderer {
  const write = (line: string) => writeRaw(printable(line));
  const threshold = logLevels.indexOf(level);
  return (event) => {
    switch (event.type) {
      case 'state':
        if (event.state === 'connected') {
          write(`connected to ${event.gateway}: virtual IP ${event.virtualIp ?? '(none)'}\n`);
        } else if (STATE_TEXT[event.state]) {
          write(`${STATE_TEXT[event.state]}\n`);
        }
        break;
      case 'network':
        if (event.banner) write(`gateway banner:\n  ${event.banner.split('\n').join('\n  ')}\n`);
        write(
          `network: ${event.tunName} mtu ${event.mtu}, DNS ${event.dns.join(' ') || 'none'}` +
            `${event.defaultDomain ? `, domain ${event.defaultDomain}` : ''}, ` +
            `${event.splitInclude.length ? `split: ${event.splitInclude.map((s) => `${s.network.address}/${s.network.prefix}`).join(' ')}` : 'full tunnel'}\n`,
        );
        break;
      case 'sa':
        if (event.kind === 'ike') {
          write(
            `IKE SA: ${event.encryption} ${event.hash} group ${event.dhGroup}, NAT-T ${event.natT.mode}\n`,
          );
        } else if (event.status === 'installed') {
          write(`IPsec SA: ${event.transform}, SPIs in ${event.spiIn} out ${event.spiOut}\n`);
        }
        break;
      case 'log':
        if (logLevels.indexOf(event.level) <= threshold)
          write(`[${event.level}] ${event.phase}: ${event.message}\n`);
        break;
      case 'error':
        write(`error (${event.code}): ${event.message}\n`);
        break;
      case 'warning':
        write(`warning (${event.code}): ${event.message}\n`);
        break;
      case 'diagnosis':
        write(diagnosisText(event));
        break;
      case 'counters':
        break;
    }
  };
}

/** The one line a failed connect ends with: the diagnosis when there is one, else the error. */
export function failureLine(
  diagnosis: DiagnosisEvent | undefined,
  error: { code: string; message: string },
): string {
  return printable(
    diagnosis
      ? `roadwarrior: ${diagnosis.code}: ${diagnosis.cause}\n`
      : `roadwarrior: ${error.code}: ${error.message}\n`,
  );
}

/** Follows the connection's one current diagnosis (a cleared one is gone). */
export function diagnosisTracker(): {
  observe: (event: EngineEvent) => void;
  current: () => DiagnosisEvent | undefined;
} {
  let current: DiagnosisEvent | undefined;
  return {
    observe: (event) => {
      if (event.type !== 'diagnosis') return;
      if (!event.cleared) current = event;
      else if (current?.code === event.code) current = undefined;
    },
    current: () => current,
  };
}
