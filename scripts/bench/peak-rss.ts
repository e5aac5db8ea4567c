import { writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { readMemoryStatus } from './proc-status.js';
import { script } from './processes.js';

export type PeakRssMethod = 'VmHWM' | 'polling';

/** Watches one operation of another process: its RSS just before, and the highest RSS during it. */
export interface PeakRssWatch {
  readonly method: PeakRssMethod;
  readonly rssBefore: number;
  /** Ends the watch and resolves with the peak RSS seen since it began. */
  finish(): Promise<number>;
}

const POLL_INTERVAL_MS = 2;
/** Right after a reset VmHWM equals VmRSS; more than this apart, the reset did not happen. */
const RESET_TOLERANCE_BYTES = 1024 * 1024;

/**
 * Starts watching the peak RSS of `pid`. Linux keeps the high-water mark itself (VmHWM), and writing
 * 5 to /proc/PID/clear_refs resets it to the current RSS, so the kernel sees every page of the peak,
 * however short. Where the reset is refused or has no effect, a thread polls VmRSS every few
 * milliseconds instead, which can miss a peak shorter than that.
 */
export async function watchPeakRss(pid: number, options: { forcePolling?: boolean } = {}): Promise<PeakRssWatch> {
  if (options.forcePolling !== true && resetHighWaterMark(pid)) {
    const { rss } = readMemoryStatus(pid);
    return { method: 'VmHWM', rssBefore: rss, finish: async () => readMemoryStatus(pid).hwm };
  }
  return pollPeakRss(pid);
}

function resetHighWaterMark(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    return false;
  }
  const { rss, hwm } = readMemoryStatus(pid);
  return hwm - rss <= RESET_TOLERANCE_BYTES;
}

async function pollPeakRss(pid: number): Promise<PeakRssWatch> {
  const rssBefore = readMemoryStatus(pid).rss;
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const poller = new Worker(script('rss-poller.js'), { workerData: { pid, intervalMs: POLL_INTERVAL_MS, stopFlag } });
  const peak = new Promise<number>((resolve, reject) => {
    poller.once('message', (value: number) => resolve(Math.max(value, rssBefore)));
    poller.once('error', reject);
  });
  await new Promise((resolve) => poller.once('online', resolve));
  return {
    method: 'polling',
    rssBefore,
    finish: async () => {
      Atomics.store(stopFlag, 0, 1);
      Atomics.notify(stopFlag, 0);
      return peak;
    },
  };
}
