/**
 * Worker thread of the polling fallback of peak-rss.ts: samples VmRSS of `pid` every `intervalMs`
 * until the stop flag (shared[0]) is set, then posts the highest value seen. On its own thread so the
 * sampling goes on while the bench's main thread is busy reading a download.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readMemoryStatus } from './proc-status.js';

const { pid, intervalMs, stopFlag } = workerData as { pid: number; intervalMs: number; stopFlag: Int32Array };
let peak = 0;
while (Atomics.load(stopFlag, 0) === 0) {
  try {
    peak = Math.max(peak, readMemoryStatus(pid).rss);
  } catch {
    break; // the process is gone
  }
  Atomics.wait(stopFlag, 0, 0, intervalMs);
}
parentPort!.postMessage(peak);
