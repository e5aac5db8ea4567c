import { Worker } from 'node:worker_threads';
import { EVAL_STOP_SLOT } from '../../probe/eval-stop-cell.js';
import { CONTROL_BYTES, WATCH_SLOT, type MemoryWatchData } from './memory-watch-state.js';

/**
 * How often the watch reads the process's resident memory. A read-only loop that allocates as fast as
 * V8 lets it (about 140 MB/s measured, interpreted under the side-effect check) adds under 1 MB meanwhile.
 */
const POLL_MS = 5;

export interface MemoryWatchOutcome {
  /** The evaluation was asked to stop: the memory had grown past the budget. */
  stopRequested: boolean;
  /** How much resident memory had grown when the stop was asked, and at most while watched. */
  grownAtStopBytes: number;
  grownPeakBytes: number;
}

export interface MemoryWatch {
  readonly budgetBytes: number;
  /** Ends the watch once the evaluation has returned, and empties the stop cell for the next one. */
  finish(): Promise<MemoryWatchOutcome>;
}

/**
 * Watches the process's resident memory from a thread of its own while evaluation `id` runs on the
 * main thread, and sets the stop cell to `id` once it has grown by more than `budgetBytes`; the
 * evaluation's own checks (memory-stop-checks.ts) then stop it. Nothing is sent to the main thread: the
 * inspector serves nothing else while it runs an evaluation sent from another thread (worker mode),
 * and a termination sent from outside could fall on the app's own code once the evaluation is over.
 * Resolves once the watch has read its base: start the evaluation then. Undefined when the thread
 * could not start.
 */
export async function startMemoryWatch(cell: SharedArrayBuffer, id: number, budgetBytes: number, maxMs: number): Promise<MemoryWatch | undefined> {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const stop = new Int32Array(cell);
  // The previous evaluation emptied the cell; one of another copy of the package cannot run meanwhile (one evaluation at a time per process).
  Atomics.store(stop, EVAL_STOP_SLOT.requested, 0);
  const data: MemoryWatchData = { cell, control, id, budgetBytes, pollMs: POLL_MS, maxMs };
  let worker: Worker;
  try {
    worker = new Worker(new URL('./memory-watch-thread.js', import.meta.url), { workerData: data, stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 } });
  } catch {
    return undefined;
  }
  worker.unref();
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = await Promise.race([new Promise<boolean>((resolve) => worker.once('message', () => resolve(true))), exited.then(() => false)]);
  if (!ready) return undefined;
  const flags = new Int32Array(control, 0, 1);
  const figures = new Float64Array(control, 8, 3);
  return {
    budgetBytes,
    async finish() {
      Atomics.store(flags, WATCH_SLOT.done, 1);
      Atomics.notify(flags, WATCH_SLOT.done);
      await exited;
      // The thread is gone: nothing writes the cell any more until the next evaluation.
      const requested = Atomics.exchange(stop, EVAL_STOP_SLOT.requested, 0);
      return { stopRequested: requested === id, grownAtStopBytes: figures[WATCH_SLOT.stoppedAtBytes]!, grownPeakBytes: figures[WATCH_SLOT.peakBytes]! };
    },
  };
}
