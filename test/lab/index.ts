// The strongSwan interop lab: see README.md.
export {
  LAB_ADDRESSES,
  LAB_ADDRESSES6,
  LAB_INTERFACES,
  ipv4InCidr,
  labGatewayAddress,
} from './addresses.js';
export type { CaptureOptions, LabCapture } from './capture.js';
export { cleanupStaleLabs } from './cleanup.js';
export { gatewayConfig } from './config.js';
export type { GatewayStartTimings } from './gateway.js';
export { Lab, startLab } from './lab.js';
export type {
  LabTimings,
  NamespaceExec,
  NamespaceRunOptions,
  NamespaceSpawn,
  NamespaceSpawnOptions,
} from './lab.js';
export { DEFAULT_ESP_PROPOSALS, DEFAULT_IKE_PROPOSALS, LAB_DEFAULTS } from './options.js';
export type { LabOptions, LabUser, ResolvedLabOptions, XauthRadiusRound } from './options.js';
export { LAB_RADIUS } from './radius.js';
export type { RadiusRecord } from './radius.js';
export type { RunResult } from './run.js';
export type { ChildSa, IkeSa } from './sas.js';
export type { LabNames, LabRole } from './topology.js';
