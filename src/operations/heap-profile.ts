import type { CdpTarget } from '../targets/target.js';
import type { CallFrame } from './cpu-profile.js';
import { OperationAbortedError, waitUnlessAborted } from './abortable-delay.js';
import { releaseDeferredSnapshotMemory } from './snapshot-memory-release.js';

export interface SamplingHeapProfileNode {
  callFrame: CallFrame;
  /** Bytes of sampled allocations made by this frame itself that are still alive at the end. */
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
}

/**
 * Sampling heap profiler: records a stack for about one allocation every `intervalBytes`, and forgets
 * samples whose objects the GC frees, so the result is the live sampled allocations by stack at the
 * end. Cheap enough to run in production.
 */
export async function takeHeapProfile(target: CdpTarget, options: HeapProfileOptions): Promise<SamplingHeapProfile> {
  await target.send('HeapProfiler.startSampling', { samplingInterval: options.intervalBytes });
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
