// An error a handler reports to the UI: a stable code and a message a user can act on.
import type { IpcErrorCode, IpcFailure } from '../../shared/ui/ipc-schemas.js';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  constructor(
    readonly code: IpcErrorCode,
    message: string,
    readonly issues?: IpcFailure['issues'],
  ) {
    super(message);
  }
}
