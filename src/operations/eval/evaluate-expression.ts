import { isCode, MaintenanceError, ProtocolError } from '../../errors.js';
import type { CdpTarget } from '../../targets/target.js';
import { evaluationSource } from './eval-source.js';
import { MAX_UNCHECKED_LENGTH } from './unbounded-work.js';
import { isReadOnlyCall } from './read-only-calls.js';
import { DEFAULT_PREVIEW_LIMITS, type PreviewLimits, type PreviewNode } from './preview.js';

export interface EvalRequest {
  expression: string;
  timeoutMs: number;
  /** Let the expression change state (the configuration and the request both said so); off: V8 refuses any side effect. */
  sideEffects: boolean;
  depth?: number;
}

export type EvalOutcome =
  /** `preview: 'names'`: the value's properties could not all be read without a possible side effect, so only their names are shown. */
  | { outcome: 'value'; result: PreviewNode; awaited: boolean; preview: 'full' | 'names'; durationMs: number }
  | { outcome: 'exception'; exception: ThrownError; durationMs: number };

export interface ThrownError {
  className: string;
  message: string;
  /** The stack within the evaluated program (the app's frames below it are not the operator's). */
  stack?: string;
}

export interface EvalEnvironment {
  /** Whether the target's event loop is blocked right now, when a probe can tell. */
  loopBlocked?: () => boolean | undefined;
}

const OBJECT_GROUP = 'maintenance-endpoint-eval';
const MAX_ERROR_TEXT = 4096;
const SIDE_EFFECT_MESSAGE = 'EvalError: Possible side-effect in debug-evaluate';

interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  description?: string;
  objectId?: string;
}
interface EvaluateReply {
  result: RemoteObject;
  exceptionDetails?: { text: string; exception?: RemoteObject };
}

/**
 * Evaluates an operator's expression on the target's main thread through the inspector. Read-only
 * unless `sideEffects`: V8's side-effect check refuses, before it happens, anything that would write
 * outside the evaluation's own new objects (SIDE_EFFECT). The synchronous part is terminated at the
 * time limit by V8 itself (EVALUATION_TIMEOUT), and the app goes on from where it was; what V8 could
 * not interrupt (a builtin looping over a huge length) is refused before it runs (EVALUATION_UNBOUNDED,
 * unbounded-work.ts). A promise is
 * awaited for what is left of the limit. The value comes back as a capped preview built in the target.
 */
export async function evaluateExpression(target: CdpTarget, request: EvalRequest, environment: EvalEnvironment = {}): Promise<EvalOutcome> {
  const started = performance.now();
  const limits: PreviewLimits = { ...DEFAULT_PREVIEW_LIMITS, ...(request.depth === undefined ? {} : { depth: request.depth }) };
  try {
    return await evaluateOnce(target, request, environment, limits, started);
  } catch (error) {
    // Read-only, a refusal may come from reading the value for its preview (a native accessor), not
    // from the expression: evaluating again is harmless, and with names only it reads no value.
    if (request.sideEffects || !isCode(error, 'SIDE_EFFECT')) throw error;
    const remainingMs = request.timeoutMs - (performance.now() - started);
    if (remainingMs < 1) throw error;
    const names = await evaluateOnce(target, { ...request, timeoutMs: Math.ceil(remainingMs) }, environment, { ...limits, depth: 1, namesOnly: true }, started);
    return names.outcome === 'value' ? { ...names, preview: 'names' } : names;
  }
}

async function evaluateOnce(target: CdpTarget, request: EvalRequest, environment: EvalEnvironment, limits: PreviewLimits, started: number): Promise<EvalOutcome> {
  const elapsed = () => Math.round(performance.now() - started);
  const built = evaluationSource(request.expression, limits, { awaitPromises: request.sideEffects });
  if ('syntaxError' in built) {
    return { outcome: 'exception', exception: { className: 'SyntaxError', message: built.syntaxError }, durationMs: elapsed() };
  }
  if ('unbounded' in built) {
    throw new MaintenanceError('EVALUATION_UNBOUNDED', `${built.unbounded} Nothing ran.`, {
      details: { maxLength: MAX_UNCHECKED_LENGTH, hint: 'Give lengths and counts as constants of at most this, or work on a slice.' },
    });
  }
  try {
    let reply: EvaluateReply;
    try {
      reply = await target.send<EvaluateReply>('Runtime.evaluate', {
        expression: built.source,
        objectGroup: OBJECT_GROUP,
        silent: true,
        returnByValue: false,
        timeout: request.timeoutMs,
        ...(request.sideEffects ? { includeCommandLineAPI: true } : isReadOnlyCall(request.expression) ? {} : { throwOnSideEffect: true }),
      });
    } catch (error) {
      throw terminated(error) ? timedOut(request.timeoutMs, 'run') : error;
    }
    let awaited = false;
    if (reply.exceptionDetails === undefined && reply.result.subtype === 'promise' && reply.result.objectId !== undefined) {
      awaited = true;
      reply = await settle(target, reply.result.objectId, request.timeoutMs - elapsed(), request.timeoutMs, environment);
    }
    if (reply.exceptionDetails !== undefined) {
      const exception = thrown(reply.exceptionDetails);
      if (!request.sideEffects && exception.className === 'EvalError' && exception.message === SIDE_EFFECT_MESSAGE.slice('EvalError: '.length)) {
        throw new MaintenanceError('SIDE_EFFECT', 'The expression would change state (a write, a call that writes, a timer, a promise...); this evaluation is read-only, and nothing was changed.', {
          details: { hint: 'Side effects need eval.allowSideEffects in the app and "sideEffects": true in the request.' },
        });
      }
      return { outcome: 'exception', exception, durationMs: elapsed() };
    }
    if (typeof reply.result.value !== 'string') throw new MaintenanceError('EVALUATION_FAILED', 'The evaluation returned no preview.');
    return { outcome: 'value', result: JSON.parse(reply.result.value) as PreviewNode, awaited, preview: 'full', durationMs: elapsed() };
  } finally {
    await target.send('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP }).catch(() => undefined);
  }
}

/** Awaits a promise for what is left of the limit; the target's loop must turn for it to settle. */
async function settle(target: CdpTarget, promiseObjectId: string, remainingMs: number, timeoutMs: number, environment: EvalEnvironment): Promise<EvaluateReply> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const blocked = environment.loopBlocked?.();
      reject(
        new MaintenanceError(
          'EVALUATION_TIMEOUT',
          blocked
            ? `The promise did not settle within ${timeoutMs} ms: the app's event loop is blocked, so nothing it awaits can run. Its work goes on unawaited.`
            : `The promise did not settle within ${timeoutMs} ms. Its work goes on unawaited.`,
          { details: { timeoutMs, phase: 'promise', ...(blocked === undefined ? {} : { loopBlocked: blocked }) } },
        ),
      );
    }, Math.max(0, remainingMs));
  });
  try {
    return await Promise.race([target.send<EvaluateReply>('Runtime.awaitPromise', { promiseObjectId, returnByValue: false }), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function terminated(error: unknown): boolean {
  return error instanceof ProtocolError && /Execution was terminated/i.test(error.message);
}

function timedOut(timeoutMs: number, phase: 'run'): MaintenanceError {
  return new MaintenanceError('EVALUATION_TIMEOUT', `The expression ran for ${timeoutMs} ms and was stopped; the app goes on from where it was.`, {
    details: { timeoutMs, phase },
  });
}

function thrown(details: NonNullable<EvaluateReply['exceptionDetails']>): ThrownError {
  const exception = details.exception;
  if (exception === undefined) return { className: 'Error', message: cap(details.text) };
  if (exception.type !== 'object' || exception.subtype === 'null') {
    // `throw 'text'` or `throw 42`: a primitive, shown as the value it is.
    const value = exception.value === undefined ? (exception.description ?? exception.type) : JSON.stringify(exception.value);
    return { className: exception.type, message: cap(String(value)) };
  }
  const description = cap(exception.description ?? exception.className ?? 'Error');
  const [head, ...frames] = description.split('\n');
  const className = exception.className ?? 'Error';
  const message = head!.startsWith(`${className}: `) ? head!.slice(className.length + 2) : head!;
  // Frames below the last one of the evaluated program are the app's, interrupted: not the operator's.
  let lastOwn = frames.length - 1;
  while (lastOwn >= 0 && !frames[lastOwn]!.includes('<anonymous>')) lastOwn--;
  const stack = lastOwn < 0 ? undefined : [head, ...frames.slice(0, lastOwn + 1)].join('\n');
  return { className, message, ...(stack === undefined ? {} : { stack }) };
}

function cap(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}
