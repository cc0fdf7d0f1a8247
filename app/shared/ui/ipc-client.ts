// The renderer's typed client over any transport (Electron preload or web socket): invoke()
// resolves with the contract's output type or throws an IpcError carrying the handler's
// plain-language message and per-field issues.
import type {
  EventMessage,
  EventName,
  EventPayload,
  InvokeInput,
  InvokeName,
  InvokeResult,
  IpcTransport,
} from './ipc.js';
import type { IpcFailure } from './ipc-schemas.js';

export class IpcError extends Error {
  override readonly name = 'IpcError';
  readonly code: IpcFailure['code'];
  readonly issues: NonNullable<IpcFailure['issues']>;

  constructor(failure: IpcFailure) {
    super(failure.message);
    this.code = failure.code;
    this.issues = failure.issues ?? [];
  }
}

/** no-argument invokes may be called without one */
type InputArgs<K extends InvokeName> =
  undefined extends InvokeInput<K> ? [input?: InvokeInput<K>] : [input: InvokeInput<K>];

export interface IpcClient {
  invoke<K extends InvokeName>(name: K, ...args: InputArgs<K>): Promise<InvokeResult<K>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createIpcClient(transport: IpcTransport): IpcClient {
  return {
    async invoke(name, ...args) {
      const result = await transport.invoke(name, args[0]);
      if (!result.ok) throw new IpcError(result.error);
      return result.value as never;
    },
    on(name, listener) {
      return transport.subscribe((message: EventMessage) => {
        if (message.name === name) listener(message.payload as never);
      });
    },
  };
}
