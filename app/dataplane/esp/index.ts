// Userspace ESP data path: see esp-engine.ts.
export {
  type DecryptResult,
  type EspEngineOptions,
  type InstallOptions,
  EspEngine,
} from './esp-engine.js';
export { type EspDropReason, type RekeyReason, ESP_DROP_REASONS } from './security-association.js';
export { DEFAULT_REPLAY_WINDOW } from './sa-limits.js';
export { NativeEspEngine } from './native-esp-engine.js';
