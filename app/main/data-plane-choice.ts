// Which data plane a desktop shell (Electron, `roadwarrior ui`) hands to the service: the
// engine stays in this process either way; only root may own TUN, sockets and routes itself.
// Everyone else goes through the privileged helper (issue #5), never by running the UI as root.
import { createInProcessDataPlane } from '../dataplane/index.js';
import { createHelperDataPlane } from '../helper/client.js';
import type { DataPlanePort } from '../shared/dataplane-port.js';

export interface DataPlaneChoice {
  /** the helper's socket; given explicitly it is used even by root */
  helperSocket?: string;
  /** the process's uid (injected by tests); undefined on platforms without uids */
  uid: number | undefined;
}

export type DataPlaneKind = 'in-process' | 'helper';

export function dataPlaneKind(choice: DataPlaneChoice): DataPlaneKind {
  return choice.helperSocket === undefined && choice.uid === 0 ? 'in-process' : 'helper';
}

export function createDataPlaneFor(choice: DataPlaneChoice): () => DataPlanePort {
  if (dataPlaneKind(choice) === 'in-process') return () => createInProcessDataPlane();
  const options = choice.helperSocket === undefined ? {} : { socketPath: choice.helperSocket };
  return () => createHelperDataPlane(options);
}
