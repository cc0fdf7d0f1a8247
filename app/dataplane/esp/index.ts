// The ESP data path: the addon's engine on OpenSSL EVP (native-esp-engine.ts). Its TypeScript
// reference model lives with the tests (test/dataplane/esp-model).
export {
  type DecryptResult,
  type EspDropReason,
  type EspEngineOptions,
  type ExpiryReason,
  type InstallOptions,
  type RekeyReason,
  ESP_DROP_REASONS,
} from './esp-types.js';
export { DEFAULT_REPLAY_WINDOW } from './sa-limits.js';
export { NativeEspEngine } from './native-esp-engine.js';
