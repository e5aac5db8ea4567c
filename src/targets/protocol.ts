import { MaintenanceError } from '../errors.js';
import type { CdpTarget } from './target.js';

export interface EvaluateOptions {
  /** The DevTools console's helpers, `require` among them: works in ES module apps too. */
  commandLineApi?: boolean;
  /** Resolve a returned promise before answering. */
  awaitPromise?: boolean;
  /** The inspector's own deadline for the evaluation, in milliseconds. */
  timeoutMs?: number;
}

interface EvaluateReply {
  result: { type: string; value?: unknown };
  exceptionDetails?: { text: string; exception?: { description?: string } };
}

/**
 * Evaluates `expression` on the target's main thread and returns its value, copied out by value. A
 * thrown exception becomes an EVALUATION_FAILED error whose message names `what` and the exception.
 * Console output from the target is silenced: these are the endpoint's own expressions.
 */
export async function evaluate<T>(target: CdpTarget, what: string, expression: string, options: EvaluateOptions = {}): Promise<T> {
  const reply = await target.send<EvaluateReply>('Runtime.evaluate', {
    expression,
    returnByValue: true,
    silent: true,
    ...(options.commandLineApi ? { includeCommandLineAPI: true } : {}),
    ...(options.awaitPromise ? { awaitPromise: true } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  if (reply.exceptionDetails !== undefined) {
    const detail = reply.exceptionDetails.exception?.description?.split('\n')[0] ?? reply.exceptionDetails.text;
    throw new MaintenanceError('EVALUATION_FAILED', `${what} failed in the target: ${detail}`);
  }
  return reply.result.value as T;
}

/**
 * Evaluates an expression that returns JSON text and parses it: for values the protocol would copy
 * slowly or lossily by value (large objects, numbers past 2^53 as strings).
 */
export async function evaluateJson<T>(target: CdpTarget, what: string, expression: string, options: EvaluateOptions = {}): Promise<T> {
  const text = await evaluate<unknown>(target, what, `JSON.stringify(${expression})`, options);
  if (typeof text !== 'string') throw new MaintenanceError('EVALUATION_FAILED', `${what} failed in the target: no value`);
  return JSON.parse(text) as T;
}
