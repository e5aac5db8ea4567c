import { heapProfileArtifact } from '../../operations/artifacts/heap-profile-artifact.js';
import { pprofRoute } from '../pprof-route.js';

/**
 * `GET {base}/debug/pprof/allocs`: what was allocated, freed or not. With the recorder on it answers at
 * once with what its sampler saw since it started, as of its last look (recorder/allocation-tally.ts: `alloc_space`, by stack
 * for what lived until one of its looks, in one total for what died before). Without it, V8 samples for
 * `seconds` keeping the objects the GC frees (includeObjectsCollectedByMajorGC and ...MinorGC, honoured
 * by Node 22, 24 and 26), as Go's `allocs?seconds=N` delta.
 */
export const debugPprofAllocsRoute = pprofRoute(heapProfileArtifact, {
  path: '/debug/pprof/allocs',
  summary: 'Sampled allocations as pprof (alloc_space first), freed ones included: since the recorder started and at once with it on, else over `seconds`.',
  defaultSeconds: 10,
  fixed: { include: 'collected' },
  async fromRecorder(recorder) {
    const { takenAtMs } = await recorder.latestProfile();
    return { pprof: recorder.tally.toPprof(), facts: { unseenSamples: recorder.tally.unseenSamples, ageMs: Date.now() - takenAtMs } };
  },
});
