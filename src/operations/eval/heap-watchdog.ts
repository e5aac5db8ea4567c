import { Worker } from 'node:worker_threads';
import { WATCH_STATE, type WatchdogData } from './heap-watchdog-state.js';

/** Most an evaluation may add to the app's heap, when an eighth of what is left below the heap limit is not less. */
export const EVAL_HEAP_BUDGET_BYTES = 32 * 1024 * 1024;

/** How often the heap is read while an evaluation runs: a loop allocating 1 GB/s adds about 10 MB meanwhile. */
const POLL_MS = 10;

/** How long the main thread waits for a termination already under way to be acknowledged. */
const ACK_WAIT_MS = 100;

export interface HeapWatchdog {
  readonly budgetBytes: number;
  /** Ends the watch once the evaluation has returned; true when the watchdog stopped it for its heap growth. */
  finish(absorb: () => void): Promise<boolean>;
}

/**
 * The budget: the smaller of EVAL_HEAP_BUDGET_BYTES and an eighth of what is left below the heap limit, so
 * an evaluation is stopped long before V8 runs out of heap and aborts the process: the heap V8 reports
 * lags what a loop allocates by some tens of MB, and the app's own work goes on allocating meanwhile.
 */
export function heapBudget(heapLimitBytes: number | undefined, usedBytes: number | undefined): number {
  if (heapLimitBytes === undefined || usedBytes === undefined || !(heapLimitBytes > 0)) return EVAL_HEAP_BUDGET_BYTES;
  return Math.max(0, Math.floor(Math.min(EVAL_HEAP_BUDGET_BYTES, (heapLimitBytes - usedBytes) / 8)));
}

/**
 * Watches the heap of this (the main) thread from a thread of its own while an evaluation runs here
 * through an in-thread inspector session, and stops the evaluation (Runtime.terminateExecution) once the
 * heap has grown past `budgetBytes`. Resolves once the watchdog has read the heap's base: start the
 * evaluation then, and call finish() as soon as it returns.
 *
 * Only for an evaluation through a session on this thread (router mode): the inspector serves the
 * watchdog between two steps of JavaScript that such a session runs, but never while it is itself
 * running a command sent from another thread, as worker mode's and a sidecar's evaluations are.
 *
 * A termination stops the current JavaScript or, when none runs, the next. The two threads agree through
 * a shared state: the watchdog sends one only while the evaluation has not been declared over, and when
 * the evaluation returned just as one was sent, finish() waits for it to be acknowledged, or has
 * `absorb` (an in-thread evaluation that spins) take it, so it never falls on the app's own code.
 */
export async function startHeapWatchdog(budgetBytes: number): Promise<HeapWatchdog> {
  const state = new SharedArrayBuffer(4);
  const flags = new Int32Array(state);
  const data: WatchdogData = { state, budgetBytes, pollMs: POLL_MS };
  const worker = new Worker(new URL('./heap-watchdog-thread.js', import.meta.url), { workerData: data, stdout: false, stderr: false });
  worker.unref();
  worker.once('error', () => undefined);
  // Started once its base is read (or gone: then there is no watch, and the evaluation runs as before).
  await new Promise<void>((resolve) => {
    worker.once('message', () => resolve());
    worker.once('exit', () => resolve());
  });
  return {
    budgetBytes,
    async finish(absorb) {
      let stopped = false;
      if (Atomics.compareExchange(flags, 0, WATCH_STATE.running, WATCH_STATE.done) !== WATCH_STATE.running) {
        stopped = true;
        // A termination was sent: acknowledged once it stopped something. If the evaluation ended first,
        // it waits for the next JavaScript, which must be ours.
        if (Atomics.wait(flags, 0, WATCH_STATE.terminating, ACK_WAIT_MS) === 'timed-out' && Atomics.load(flags, 0) === WATCH_STATE.terminating) absorb();
      }
      await worker.terminate().catch(() => undefined);
      return stopped;
    },
  };
}
