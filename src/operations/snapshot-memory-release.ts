import type { CdpTarget } from '../targets/target.js';
import { threadIdOf } from '../targets/worker-thread-target.js';
import { heldKinds } from './process-locks.js';
import { seriesHoldsIds } from './snapshot-series.js';

/**
 * What V8 keeps after a heap snapshot, and how it is given back (measured on Node 20, 22, 24 and 26;
 * docs/operations.md has the figures):
 *
 * - the snapshot itself (entries, edges, copied names) is freed as soon as it is written, by every
 *   engine: HeapProfiler.takeHeapSnapshot and v8.writeHeapSnapshot alike;
 * - the heap profiler's object ids are not: an id for every object of the heap (about 95 bytes per
 *   object, 285 MB for 3 million), kept until some inspector session disables the heap profiler or
 *   disconnects, and while they exist every GC also records each moved object. A session that lives as
 *   long as the endpoint never disconnects, so they stay for good; v8.writeHeapSnapshot keeps them too.
 *   HeapProfiler.collectGarbage frees none of it.
 *
 * `HeapProfiler.disable` clears the ids on any session of the isolate, even one that never enabled the
 * heap profiler, so it serves the snapshot written with v8.writeHeapSnapshot as well. It also stops a
 * sampling heap profile started on the same session, and V8's allocation tracker holds a pointer into
 * the ids: so while a heap profile runs the release waits until it ends.
 *
 * The thread that relayed the snapshot (the endpoint's own thread in worker mode, the app's in router
 * mode) is left holding every chunk it passed on, redacted or gzipped: tens of megabytes of buffers
 * that are garbage once the artifact is delivered, but that an idle thread does not collect, since
 * V8 collects for external memory only once it has grown by 64 MB. `collectOwnThreadGarbage`
 * (garbage-collection.ts) gives them back with one full collection of that thread's heap, once delivered.
 */
export type ReleaseOutcome = 'released' | 'deferred' | 'kept';

/** The app's threads (0: main) whose snapshot memory waits for their heap profile to end. */
const deferred = new Set<number>();

/** Whether a heap profile runs on the app's thread `thread` (its heapprofile slot is held, by any thread of the process). */
export function heapProfileRunning(thread: number): boolean {
  return heldKinds(thread).includes('heapprofile');
}

/**
 * Gives back what V8 keeps for the snapshot just taken: now, or once the running heap profile ends
 * (then `releaseDeferredSnapshotMemory` does it), or, while a diff series is open, when it ends. Never
 * throws: a target that went away keeps nothing.
 */
export async function releaseSnapshotMemory(target: CdpTarget, options: { heapProfileRunning?: boolean } = {}): Promise<ReleaseOutcome> {
  const thread = threadIdOf(target);
  // An open diff series (the main thread's only) keeps the ids until it ends, which releases them (snapshot-series.ts).
  if (thread === 0 && seriesHoldsIds()) return 'kept';
  if (options.heapProfileRunning ?? heapProfileRunning(thread)) {
    deferred.add(thread);
    return 'deferred';
  }
  await disableHeapProfiler(target);
  return 'released';
}

/**
 * Called when a heap profile has stopped sampling: releases what the snapshots taken meanwhile left
 * behind, through `target` (any session of the same isolate will do). Nothing to do if none were.
 */
export async function releaseDeferredSnapshotMemory(target: CdpTarget): Promise<boolean> {
  const thread = threadIdOf(target);
  if (thread === 0 && seriesHoldsIds()) return false;
  if (!deferred.delete(thread)) return false;
  await disableHeapProfiler(target);
  return true;
}

async function disableHeapProfiler(target: CdpTarget): Promise<void> {
  try {
    await target.send('HeapProfiler.disable');
  } catch {
    // The target is gone or closing: its memory is no longer this process's concern.
  }
}
