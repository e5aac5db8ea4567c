import { parentPort, workerData } from 'node:worker_threads';
import { EVAL_STOP_SLOT } from '../../probe/eval-stop-cell.js';
import { WATCH_SLOT, type MemoryWatchData } from './memory-watch-state.js';

/**
 * The memory watch's thread (see memory-watch.ts). The process's resident memory can be read from any
 * thread, whatever the main thread is running: this one reads it every few milliseconds while an
 * evaluation runs there, and asks the evaluation to stop (its id in the stop cell) once the memory has
 * grown past the budget. It blocks in Atomics.wait between reads, so it needs no event loop of its own.
 */
const { cell, control, id, budgetBytes, pollMs, maxMs } = workerData as MemoryWatchData;
const stop = new Int32Array(cell);
const flags = new Int32Array(control, 0, 1);
const figures = new Float64Array(control, 8, 3);

const rss = () => process.memoryUsage.rss();
const ends = performance.now() + maxMs;
// Growth counts from the lowest figure seen: memory freed meanwhile (garbage of before, collected) would
// otherwise let the evaluation grow by that much more.
let lowest = rss();
let peak = lowest;
parentPort!.postMessage('ready');
while (Atomics.wait(flags, WATCH_SLOT.done, 0, pollMs) === 'timed-out' && performance.now() < ends) {
  const now = rss();
  lowest = Math.min(lowest, now);
  peak = Math.max(peak, now);
  if (figures[WATCH_SLOT.stoppedAtBytes] === 0 && now - lowest > budgetBytes) {
    // Only into an open cell: one evaluation runs at a time, and its evaluator empties the cell once this thread is gone.
    if (Atomics.compareExchange(stop, EVAL_STOP_SLOT.requested, 0, id) === 0) figures[WATCH_SLOT.stoppedAtBytes] = now - lowest;
  }
}
figures[WATCH_SLOT.peakBytes] = peak - lowest;
