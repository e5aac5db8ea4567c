import { documented, enumParam, integerParam } from '../../params/param-spec.js';
import { defineArtifact, JSON_TYPE, PPROF_TYPE } from './artifact-kind.js';

const EXTENSIONS = { heapprofile: 'heapprofile', pprof: 'heap.pb.gz' } as const;

/** A sampling heap profile of the main thread over a time: sampled allocations by stack, live or with the churn. */
export const heapProfileArtifact = defineArtifact({
  kind: 'heapprofile',
  scope: 'profile',
  lock: 'heapprofile',
  parameters: ({ maxProfileSeconds }) => ({
    seconds: documented('how long to sample', integerParam(1, maxProfileSeconds, 10)),
    // V8's default is 32 KiB.
    interval: documented('mean bytes between samples: smaller is finer and dearer', integerParam(1024, 16 * 1024 * 1024, 32 * 1024)),
    format: documented(
      'DevTools JSON (`.heapprofile`: Memory tab, Load profile) or gzipped pprof (`.heap.pb.gz`)',
      enumParam(['heapprofile', 'pprof'] as const, 'heapprofile'),
    ),
    include: documented(
      '`collected` also keeps samples of objects the GC freed since (the churn); pprof sample types are then `alloc_objects`/`alloc_space` instead of `inuse_objects`/`inuse_space`',
      enumParam(['live', 'collected'] as const, 'live'),
    ),
  }),
  expectedMs: (params) => params.seconds * 1000,
  extension: (params) => EXTENSIONS[params.format],
  contentType: (params) => (params.format === 'pprof' ? PPROF_TYPE : JSON_TYPE),
  compressible: () => false,
  async produce(target, params, sink, { signal }) {
    const [{ takeHeapProfile }, { heapProfileToPprof }] = await Promise.all([import('../heap-profile.js'), import('../pprof/heap-profile-to-pprof.js')]);
    const startedAtMs = Date.now();
    const includeCollected = params.include === 'collected';
    const profile = await takeHeapProfile(target, { durationMs: params.seconds * 1000, intervalBytes: params.interval, signal, includeCollected });
    sink.write(
      params.format === 'pprof' ? heapProfileToPprof(profile, params.interval, startedAtMs, Date.now() - startedAtMs, includeCollected) : JSON.stringify(profile),
    );
    return { samples: profile.samples.length };
  },
});
