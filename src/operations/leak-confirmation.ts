import type { CdpTarget } from '../targets/target.js';
import type { FullGcPoint } from '../probe/leak-rules.js';
import { OperationAbortedError } from '../errors.js';
import { waitUnlessAborted } from './abortable-delay.js';
import { collectGarbage } from './garbage-collection.js';

/** Seconds between the two forced full GCs: long enough for a 1 MB/s leak to show, short enough to wait for. */
export const CONFIRM_INTERVAL_SECONDS = 5;

export interface LeakConfirmation {
  first: FullGcPoint;
  second: FullGcPoint;
  /** How long each forced GC stopped the app's main thread, in ms. */
  pauseMs: [number, number];
}

/**
 * Forces two full GCs `intervalSeconds` apart and returns the heap left after each: the growth between
 * them is what was kept in that interval, with no garbage left to blur it. Costs two full-GC pauses.
 */
export async function confirmLeak(target: CdpTarget, options: { intervalSeconds?: number; signal?: AbortSignal } = {}): Promise<LeakConfirmation> {
  const interval = options.intervalSeconds ?? CONFIRM_INTERVAL_SECONDS;
  const firstGc = await collectGarbage(target);
  const first = { time: Date.now(), heapAfter: firstGc.after.usedSize, oldGenerationAfter: firstGc.after.usedSize };
  if (!(await waitUnlessAborted(interval * 1000, options.signal))) throw new OperationAbortedError('Leak confirmation');
  const secondGc = await collectGarbage(target);
  const second = { time: Date.now(), heapAfter: secondGc.after.usedSize, oldGenerationAfter: secondGc.after.usedSize };
  return { first, second, pauseMs: [firstGc.durationMs, secondGc.durationMs] };
}
