// One question to the user at a time (group key, XAuth round): the engine waits on ask(), a UI
// answers or cancels by id. Every UI sees the pending prompt through the snapshot.
import { randomUUID } from 'node:crypto';
import { EngineError } from '../../engine/api.js';
import type { PromptAnswer, PromptRequest } from '../../shared/ui/ipc-schemas.js';
import { xauthFieldRow } from '../../shared/xauth-fields.js';
import { ServiceError } from './service-error.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type PromptQuestion = DistributiveOmit<PromptRequest, 'id'>;

interface Pending {
  request: PromptRequest;
  resolve: (answer: PromptAnswer) => void;
  reject: (error: EngineError) => void;
  detach: () => void;
}

export class PromptBroker {
  private pending: Pending | undefined;

  constructor(private readonly onChange: (prompt: PromptRequest | undefined) => void) {}

  get current(): PromptRequest | undefined {
    return this.pending?.request;
  }

  ask(question: PromptQuestion, signal?: AbortSignal): Promise<PromptAnswer> {
    this.cancelAll('replaced by a newer question');
    const request = { ...question, id: randomUUID() } as PromptRequest;
    return new Promise<PromptAnswer>((resolve, reject) => {
      if (signal?.aborted) {
        reject(cancelled('the connection attempt ended'));
        return;
      }
      const onAbort = () =>
        this.settle(request.id, (p) => p.reject(cancelled('the connection attempt ended')));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        request,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      this.onChange(request);
    });
  }

  /** Throws when a requested field is missing, naming it. false when the prompt is gone. */
  answer(answer: PromptAnswer): boolean {
    const pending = this.pending;
    if (!pending || pending.request.id !== answer.id) return false;
    const missing = requiredValues(pending.request).filter((key) => !answer.values[key]);
    if (missing.length) {
      throw new ServiceError(
        'invalid-input',
        `values.${missing[0]}: required`,
        missing.map((key) => ({ path: `values.${key}`, message: 'required' })),
      );
    }
    return this.settle(answer.id, (p) => p.resolve(answer));
  }

  cancel(id: string): boolean {
    return this.settle(id, (p) => p.reject(cancelled('cancelled by the user')));
  }

  cancelAll(reason: string): void {
    if (this.pending) this.settle(this.pending.request.id, (p) => p.reject(cancelled(reason)));
  }

  private settle(id: string, how: (pending: Pending) => void): boolean {
    const pending = this.pending;
    if (!pending || pending.request.id !== id) return false;
    this.pending = undefined;
    pending.detach();
    how(pending);
    this.onChange(undefined);
    return true;
  }
}

function cancelled(reason: string): EngineError {
  return new EngineError('cancelled', reason);
}

function requiredValues(request: PromptRequest): (keyof PromptAnswer['values'])[] {
  if (request.kind === 'group-psk') return ['groupPsk'];
  if (request.kind === 'key-passphrase') return ['keyPassphrase'];
  return request.fields.map((field) => xauthFieldRow(field).answer);
}
