// One error type for everything that can go wrong while configuring the OS network, with a
// code the UI can map to advice and the program / step that failed.

export type NetworkConfigErrorCode =
  | 'invalid-setup'
  | 'no-route-to-gateway'
  | 'ip-failed'
  | 'dns-failed'
  | 'script-missing'
  | 'script-not-executable'
  | 'script-failed'
  | 'script-timeout'
  | 'undo-incomplete';

export interface NetworkConfigErrorDetail {
  /** vpnc-script path */
  script?: string;
  /** vpnc-script reason (pre-init, connect, disconnect, ...) */
  reason?: string;
  /** the planned change that failed, in words */
  step?: string;
}

export class NetworkConfigError extends Error {
  override readonly name = 'NetworkConfigError';

  constructor(
    readonly code: NetworkConfigErrorCode,
    message: string,
    readonly detail: NetworkConfigErrorDetail = {},
  ) {
    super(message);
  }
}
