// The EngineError a step fails with: tests that name the error code and message a failure gives.
import assert from 'node:assert/strict';
import { EngineError } from '../../../app/engine/api.js';

export async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<EngineError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    assert.ok(error instanceof EngineError, `an EngineError, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}
