// Userspace ESP data path: see esp-engine.ts.
export {
  type DecryptResult,
  type EspEngineOptions,
  type InstallOptions,
  EspEngine,
} from './esp-engine.js';
export {
  type EspDropReason,
  type RekeyReason,
  DEFAULT_REPLAY_WINDOW,
  ESP_DROP_REASONS,
} from './security-association.js';
