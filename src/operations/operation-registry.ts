import { isCode, operationInProgress } from '../errors.js';
import { release, tryAcquire, type LockKind } from './process-locks.js';

const DEFAULT_RETRY_AFTER_SECONDS = 10;

export type ProgressValue = number | string | boolean;

/** A heavy operation in progress: what it is, since when, and how far it has got. */
export class RunningOperation {
  readonly kind: LockKind;
  readonly startedAt = new Date();
  /** When it is expected to end, for timed operations: lets a refused caller know when to retry. */
  expectedEndMs: number | undefined;
  /** `starting` until the operation reports its own phase: admission and setup come first. */
  readonly progress: Record<string, ProgressValue> = { phase: 'starting' };
  #ended = false;
  readonly #onEnd: () => void;

  constructor(kind: LockKind, onEnd: () => void) {
    this.kind = kind;
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
      startedAt: this.startedAt.toISOString(),
      elapsedSeconds: (Date.now() - this.startedAt.getTime()) / 1000,
      ...(this.expectedEndMs === undefined ? {} : { expectedEnd: new Date(this.expectedEndMs).toISOString() }),
      progress: this.progress,
    };
  }
}

/**
 * Admits one operation of a kind per process. A second request is refused at once with 409 and a
 * Retry-After: queueing it would only pile more load on a process that is being diagnosed.
 */
export class OperationRegistry {
  readonly #running = new Set<RunningOperation>();

  begin(kind: LockKind, expectedDurationMs?: number): RunningOperation {
    if (!tryAcquire(kind)) throw operationInProgress(kind, this.#retryAfterSeconds(kind));
    const operation = new RunningOperation(kind, () => {
      this.#running.delete(operation);
      release(kind);
    });
    if (expectedDurationMs !== undefined) operation.expectedEndMs = Date.now() + expectedDurationMs;
    this.#running.add(operation);
    return operation;
  }

  /**
   * Like begin, but waits for a slot taken by another operation, checking every second, up to `waitMs`
   * (a scheduled dump that fires while a request holds its kind's slot); refused as begin refuses past it.
   */
  async beginWhenFree(kind: LockKind, { waitMs, signal }: { waitMs: number; signal: AbortSignal }): Promise<RunningOperation> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return this.begin(kind);
      } catch (error) {
        if (!isCode(error, 'OPERATION_IN_PROGRESS') || Date.now() > deadline || signal.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }

  /** Until the running one ends, when this server runs it and knows its length; otherwise a fair guess. */
  #retryAfterSeconds(kind: LockKind): number {
    const endMs = [...this.#running].find((operation) => operation.kind === kind)?.expectedEndMs;
    return endMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil((endMs - Date.now()) / 1000) + 1);
  }

  /** The operations this server runs now (another thread's are not visible here, only their locks). */
  list(): RunningOperation[] {
    return [...this.#running];
  }
}
