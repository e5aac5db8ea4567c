import type { Response } from 'express';
import { OperationAbortedError } from '../operations/abortable-delay.js';
import type { LockKind } from '../operations/process-locks.js';
import type { ApiContext } from './api-context.js';
import { clientGone } from './send-artifact.js';

/**
 * Runs an operation in its process-wide slot (409 if taken), handing it a signal that aborts when the
 * client goes away. Resolves undefined when it stopped for that reason: there is nobody to answer.
 */
export async function runOperation<T>(
  res: Response,
  context: ApiContext,
  kind: LockKind,
  expectedMs: number | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  const operation = context.operations.begin(kind, expectedMs);
  try {
    return await run(clientGone(res));
  } catch (error) {
    if (error instanceof OperationAbortedError) return undefined;
    throw error;
  } finally {
    operation.end();
  }
}
