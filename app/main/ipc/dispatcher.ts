// Main side of the IPC contract: validates each invoke's input against its schema before the
// handler sees it, and turns every outcome into a result envelope (never a stack trace).
import type { ZodError } from 'zod';
import { type InvokeHandlers, type IpcResult, invokes, isInvokeName } from '../../shared/ui/ipc.js';
import type { IpcFailure } from '../../shared/ui/ipc-schemas.js';
import { ServiceError } from '../service/service-error.js';

export type Dispatch = (name: unknown, input: unknown) => Promise<IpcResult<unknown>>;

export function createDispatcher(handlers: InvokeHandlers): Dispatch {
  return async (name, input) => {
    if (!isInvokeName(name)) {
      return failure({
        code: 'unknown-invoke',
        message: `unknown request ${JSON.stringify(name)}`,
      });
    }
    const parsed = invokes[name].input.safeParse(input);
    if (!parsed.success) return failure(describeInvalid(parsed.error));
    try {
      const handler = handlers[name] as (input: unknown) => unknown;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      return failure(describeError(error));
    }
  };
}

function failure(error: IpcFailure): IpcResult<never> {
  return { ok: false, error };
}

/** "profile.gateway: gateway must be a host name or an IP address", plus every issue by field */
function describeInvalid(error: ZodError): IpcFailure {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || 'input',
    message: issue.message,
  }));
  const first = issues[0];
  const message = first ? `${first.path}: ${first.message}` : 'invalid input';
  return { code: 'invalid-input', message, issues };
}

function describeError(error: unknown): IpcFailure {
  if (error instanceof ServiceError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.issues ? { issues: error.issues } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `internal error: ${message}` };
}
