import { isCode, operationInProgress } from '../errors.js';
import { release, tryAcquire, type LockKind } from './process-locks.js';

const DEFAULT_RETRY_AFTER_SECONDS = 10;

/** Kinds whose work runs on the thread it is about, for as long as it lasts (profilers and a stack capture only sample or pause briefly). */
const HOLD_THE_THREAD: ReadonlySet<LockKind> = new Set(['heapsnapshot', 'gc', 'eval']);

export type ProgressValue = number | string | boolean;

/** A heavy operation in progress: what it is, on which thread of the app, since when, and how far it has got. */
export class RunningOperation {
  readonly kind: LockKind;
  /** The app's thread it works on: 0 for the main thread, or a worker's threadId. */
  readonly thread: number;
  readonly startedAt = new Date();
  /** When it is expected to end, for timed operations: lets a refused caller know when to retry. */
  expectedEndMs: number | undefined;
  /** `starting` until the operation reports its own phase: admission and setup come first. */
  readonly progress: Record<string, ProgressValue> = { phase: 'starting' };
  #ended = false;
  readonly #onEnd: () => void;

  constructor(kind: LockKind, thread: number, onEnd: () => void) {
    this.kind = kind;
    this.thread = thread;
    this.#onEnd = onEnd;
  }

  update(values: Record<string, ProgressValue>): void {
    Object.assign(this.progress, values);
  }

  /** Idempotent: releases the process-wide slot once. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
  }

  toJSON(): object {
    return {
      kind: this.kind,
      thread: this.thread,
      startedAt: this.startedAt.toISOString(),
      elapsedSeconds: (Date.now() - this.startedAt.getTime()) / 1000,
      ...(this.expectedEndMs === undefined ? {} : { expectedEnd: new Date(this.expectedEndMs).toISOString() }),
      progress: this.progress,
    };
  }
}

/**
 * Admits one operation of a kind per thread of the app (a worker's snapshot and the main thread's may run at
 * once: each freezes its own isolate). A second request for the same thread is refused at once with 409 and a
 * Retry-After: queueing it would only pile more load on a process that is being diagnosed.
 */
export class OperationRegistry {
  readonly #running = new Set<RunningOperation>();

  begin(kind: LockKind, expectedDurationMs?: number, thread = 0): RunningOperation {
    if (!tryAcquire(kind, thread)) throw operationInProgress(thread === 0 ? kind : `${kind} of worker thread ${thread}`, this.#retryAfterSeconds(kind, thread));
    const operation = new RunningOperation(kind, thread, () => {
      this.#running.delete(operation);
      release(kind, thread);
    });
    if (expectedDurationMs !== undefined) operation.expectedEndMs = Date.now() + expectedDurationMs;
    this.#running.add(operation);
    return operation;
  }

  /**
   * Like begin, but waits for a slot taken by another operation, checking every second, up to `waitMs`
   * (a scheduled dump that fires while a request holds its kind's slot); refused as begin refuses past it.
   */
  async beginWhenFree(kind: LockKind, { waitMs, signal, thread = 0 }: { waitMs: number; signal: AbortSignal; thread?: number }): Promise<RunningOperation> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return this.begin(kind, undefined, thread);
      } catch (error) {
        if (!isCode(error, 'OPERATION_IN_PROGRESS') || Date.now() > deadline || signal.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }

  /** Until the running one ends, when this server runs it and knows its length; otherwise a fair guess. */
  #retryAfterSeconds(kind: LockKind, thread: number): number {
    const endMs = [...this.#running].find((operation) => operation.kind === kind && operation.thread === thread)?.expectedEndMs;
    return endMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil((endMs - Date.now()) / 1000) + 1);
  }

  /**
   * The kinds of this server's operations that hold the app's main thread now (a snapshot being written, a
   * forced GC or census, an evaluation): a stall of its loop meanwhile is the endpoint's, not the app's.
   */
  holdingMainThread(): LockKind[] {
    return [...this.#running].filter((operation) => operation.thread === 0 && HOLD_THE_THREAD.has(operation.kind)).map((operation) => operation.kind);
  }

  /** The operations this server runs now (another thread's are not visible here, only their locks). */
  list(): RunningOperation[] {
    return [...this.#running];
  }
}
