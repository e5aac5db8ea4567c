import { randomInt } from 'node:crypto';
import { isCode, MaintenanceError, ProtocolError } from '../../errors.js';
import { evaluate } from '../../targets/protocol.js';
import type { CdpTarget } from '../../targets/target.js';
import { evaluationSource } from './eval-source.js';
import { startMemoryWatch, type MemoryWatch, type MemoryWatchOutcome } from './memory-watch.js';
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
  /**
   * The memory budget, where the target is this process (worker and router mode): the main thread's
   * stop cell (probe/eval-stop-cell.ts) and the configured budget.
   */
  memory?: { cell: SharedArrayBuffer; budgetBytes: number };
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
 * unbounded-work.ts). With a memory budget, the synchronous part is also stopped once the process's
 * resident memory has grown past it (EVALUATION_MEMORY, memory-watch.ts). A promise is
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
  const stopId = environment.memory === undefined ? undefined : randomInt(1, 2 ** 31 - 1);
  const built = evaluationSource(request.expression, limits, { awaitPromises: request.sideEffects, ...(stopId === undefined ? {} : { stopId }) });
  if ('syntaxError' in built) {
    return { outcome: 'exception', exception: { className: 'SyntaxError', message: built.syntaxError }, durationMs: elapsed() };
  }
  if ('unbounded' in built) {
    throw new MaintenanceError('EVALUATION_UNBOUNDED', `${built.unbounded} Nothing ran.`, {
      details: { maxLength: MAX_UNCHECKED_LENGTH, hint: 'Give lengths and counts as constants of at most this, or work on a slice.' },
    });
  }
  try {
    const watch = stopId === undefined ? undefined : await watchMemory(target, environment.memory!, stopId, request.timeoutMs);
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
      const memory = await watch?.finish();
      if (memory?.stopRequested) throw await overBudget(target, watch!, memory);
      throw terminated(error) ? timedOut(request.timeoutMs, 'run') : error;
    }
    const memory = await watch?.finish();
    // A stop asked just as the evaluation ended has stopped nothing: its value stands.
    if (memory?.stopRequested && reply.exceptionDetails !== undefined) throw await overBudget(target, watch!, memory);
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

/**
 * Starts the memory watch for one evaluation. Its budget is the configured one, or half the room the
 * old generation has left between the heap's committed size and its limit when that is less: resident
 * memory grows with the pages the heap commits, and the heap can first fill what it has committed and
 * not used (garbage of before included) without growing it.
 */
async function watchMemory(target: CdpTarget, memory: NonNullable<EvalEnvironment['memory']>, id: number, timeoutMs: number): Promise<MemoryWatch> {
  const heap = await evaluate<HeapFigures>(target, 'Reading the heap', HEAP_EXPRESSION, { commandLineApi: true }).catch(() => undefined);
  const room = heap === undefined ? Infinity : Math.max(0, oldGenerationLimit(heap) - heap.committed);
  const watch = await startMemoryWatch(memory.cell, id, Math.max(MIN_BUDGET_BYTES, Math.floor(Math.min(memory.budgetBytes, room / 2))), timeoutMs + WATCH_GRACE_MS);
  // Unwatched, a loop that keeps what it allocates could take the app down: better not to run it.
  if (watch === undefined) throw new MaintenanceError('EVALUATION_FAILED', 'The memory watch of the evaluation could not start (no thread could be made); nothing ran.');
  return watch;
}

interface HeapFigures {
  limit: number;
  committed: number;
  /** --max-old-space-size, in MiB, where the process was given one (its command line or NODE_OPTIONS). */
  oldSpaceMiB: number | null;
}

const HEAP_EXPRESSION = `(() => {
  const heap = require('node:v8').getHeapStatistics();
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\\s+/)].join(' ');
  const old = /--max[-_]old[-_]space[-_]size[= ](\\d+)/.exec(flags);
  return { limit: heap.heap_size_limit, committed: heap.total_heap_size, oldSpaceMiB: old === null ? null : Number(old[1]) };
})()`;

/**
 * V8's heap limit counts the young generation's reservation too, and that differs by version (48 MiB
 * on Node 22, 192 on Node 24, 96 on Node 26 for --max-old-space-size=160): what an evaluation keeps ends
 * in the old generation, whose limit is --max-old-space-size when given, else taken as the heap limit
 * less the largest of those reservations.
 */
function oldGenerationLimit(heap: HeapFigures): number {
  if (heap.oldSpaceMiB !== null && heap.oldSpaceMiB > 0) return Math.min(heap.limit, heap.oldSpaceMiB * 2 ** 20);
  return Math.max(heap.limit / 2, heap.limit - LARGEST_YOUNG_RESERVATION_BYTES);
}

const LARGEST_YOUNG_RESERVATION_BYTES = 192 * 2 ** 20;
/** A budget below this would stop evaluations on the noise of the process's other threads. */
const MIN_BUDGET_BYTES = 2 ** 20;
/** How long past the time limit the watch goes on by itself, should the evaluator never say it is over. */
const WATCH_GRACE_MS = 5_000;

/**
 * The error of a stopped evaluation, once what it built is collected: left as garbage, it would keep the
 * heap committed to its size until the app's own allocations made V8 collect it, and the next
 * evaluation's budget (a share of the room left) would start from there.
 */
async function overBudget(target: CdpTarget, watch: MemoryWatch, memory: MemoryWatchOutcome): Promise<MaintenanceError> {
  await target.send('HeapProfiler.collectGarbage').catch(() => undefined);
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return new MaintenanceError(
    'EVALUATION_MEMORY',
    `The expression grew the process's memory by more than ${mib(watch.budgetBytes)} MiB, its budget, and was stopped; the app goes on from where it was.`,
    { details: { budgetBytes: watch.budgetBytes, grownBytes: Math.round(memory.grownPeakBytes), grownAtStopBytes: Math.round(memory.grownAtStopBytes), phase: 'run', hint: 'Work on a slice, or keep less of what the expression builds.' } },
  );
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
