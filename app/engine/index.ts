// The IKEv1 engine: connect() starts a connection and returns it; everything else is events.
import type { ConnectOptions, VpnConnection } from './api.js';
import { Connection } from './connection.js';

export type {
  CapturedIkeMessage,
  ConnectOptions,
  CredentialProvider,
  VpnConnection,
  XauthRequest,
  UdpEndpoint,
  XauthResponse,
} from './api.js';
export { EngineError } from './api.js';
export { prepareConnect } from './prepare.js';
/** the desktop checks a typed key passphrase with it before saving it */
export { readClientKey } from './crypto/client-credentials.js';
export { CertificateProblem } from './crypto/x509.js';

export function connect(options: ConnectOptions): VpnConnection {
  return new Connection(options);
}
