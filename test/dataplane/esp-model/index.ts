// The TypeScript reference model of the ESP data path (see esp-engine.ts): what the tests check
// the addon's ESP (app/dataplane/esp/native-esp-engine.ts) against.
export { EspEngine } from './esp-engine.js';
