// A diagnosis as the engine raises it while connected (ESP blocked), for the desktop tests.
import type { DiagnosisEvent } from '../../../app/shared/events.js';

export const ESP_BLOCKED: DiagnosisEvent = {
  type: 'diagnosis',
  at: Date.now(),
  code: 'esp-blocked',
  cause: 'The tunnel is up but carries nothing.',
  evidence: [
    '40 ESP packet(s) encrypted and sent: none decrypted',
    'the gateway still answers IKE',
  ],
  next: 'Try another network.',
  phase: 'dataplane',
  cleared: false,
};
