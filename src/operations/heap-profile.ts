import type { CdpTarget } from '../targets/target.js';
import type { CallFrame } from './cpu-profile.js';
import { OperationAbortedError } from '../errors.js';
import { waitUnlessAborted } from './abortable-delay.js';
import { releaseDeferredSnapshotMemory } from './snapshot-memory-release.js';

export interface SamplingHeapProfileNode {
  callFrame: CallFrame;
  /** Bytes of sampled allocations made by this frame itself: still alive at the end, or all of them with includeCollected. */
  selfSize: number;
  id: number;
  children: SamplingHeapProfileNode[];
}

export interface SamplingHeapProfileSample {
  size: number;
  nodeId: number;
  ordinal: number;
}

/** The DevTools `HeapProfiler.SamplingHeapProfile` (`.heapprofile`). */
export interface SamplingHeapProfile {
  head: SamplingHeapProfileNode;
  samples: SamplingHeapProfileSample[];
}

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
