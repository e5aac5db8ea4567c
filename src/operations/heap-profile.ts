import type { CdpTarget } from '../targets/target.js';
import { waitUnlessAborted } from './abortable-delay.js';
import { releaseDeferredSnapshotMemory } from './snapshot-memory-release.js';
import { lastOrdinal, profileAllocatedAfter, runningSamplingProfile } from './heap-sampler.js';
import { MaintenanceError, OperationAbortedError } from '../errors.js';

export type { SamplingHeapProfile, SamplingHeapProfileNode, SamplingHeapProfileSample } from './heap-sampler.js';
import type { SamplingHeapProfile } from './heap-sampler.js';

export interface HeapProfileOptions {
  durationMs: number;
  /** Average bytes between samples (V8 samples allocations with a Poisson process of this mean). */
  intervalBytes: number;
  signal?: AbortSignal;
  /**
   * Also keep samples of objects the GC frees before the end (V8's includeObjectsCollectedByMajorGC and
   * ...ByMinorGC, in every supported Node line): the profile then shows every sampled allocation, churn
   * included, rather than only what is still alive.
   */
  includeCollected?: boolean;
}

/**
 * Sampling heap profiler: records a stack for about one allocation every `intervalBytes`. By default it
 * forgets samples whose objects the GC frees, so the result is the live sampled allocations by stack at
 * the end; with `includeCollected` it keeps them, so it shows where churn comes from. Cheap enough to
 * run in production.
 */
export async function takeHeapProfile(target: CdpTarget, options: HeapProfileOptions): Promise<SamplingHeapProfile> {
  const running = await runningSamplingProfile(target);
  if (running !== undefined) return windowOfRunningSampler(target, running, options);
  await target.send('HeapProfiler.startSampling', {
    samplingInterval: options.intervalBytes,
    ...(options.includeCollected ? { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } : {}),
  });
  let completed = false;
  let profile: SamplingHeapProfile | undefined;
  try {
    completed = await waitUnlessAborted(options.durationMs, options.signal);
  } finally {
    try {
      profile = (await target.send<{ profile: SamplingHeapProfile }>('HeapProfiler.stopSampling')).profile;
    } finally {
      await releaseDeferredSnapshotMemory(target);
    }
  }
  if (!completed) throw new OperationAbortedError('Heap profile');
  return profile;
}

/**
 * A profile over the window while another holder (the recorder) keeps V8's one sampler running: the
 * samples taken during the window and still alive at its end, which is what a sampler of our own
 * would hold, at the holder's interval. The churn cannot be had without stopping the holder's sampler.
 */
async function windowOfRunningSampler(target: CdpTarget, atStart: SamplingHeapProfile, options: HeapProfileOptions): Promise<SamplingHeapProfile> {
  if (options.includeCollected) {
    throw new MaintenanceError(
      'OPERATION_IN_PROGRESS',
      "V8's one sampling heap profiler runs already, keeping live objects only (the recorder, or another session): include=collected would stop it. Ask /debug/pprof/allocs, or for include=live.",
    );
  }
  const after = lastOrdinal(atStart);
  if (!(await waitUnlessAborted(options.durationMs, options.signal))) throw new OperationAbortedError('Heap profile');
  const atEnd = await runningSamplingProfile(target);
  if (atEnd === undefined) throw new MaintenanceError('INSPECTOR_ERROR', 'The sampling heap profiler that was running stopped during the profile.');
  return profileAllocatedAfter(atEnd, after);
}
