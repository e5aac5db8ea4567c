import { documented, enumParam, integerParam } from '../../params/param-spec.js';
import { defineArtifact, JSON_TYPE, PPROF_TYPE } from './artifact-kind.js';

const EXTENSIONS = { cpuprofile: 'cpuprofile', pprof: 'cpu.pb.gz' } as const;

/** A timed V8 CPU profile of the main thread, as `.cpuprofile` for DevTools or pprof. */
export const cpuProfileArtifact = defineArtifact({
  kind: 'cpuprofile',
  scope: 'profile',
  lock: 'cpuprofile',
  parameters: ({ maxProfileSeconds }) => ({
    seconds: documented('how long to sample', integerParam(1, maxProfileSeconds, 10)),
    // V8's default is 1000; below 50 the profiler itself dominates.
    interval: documented('microseconds between samples', integerParam(50, 100_000, 1000)),
    format: documented(
      'DevTools JSON (`.cpuprofile`: Performance tab, Load profile), or gzipped pprof protobuf (`.cpu.pb.gz`: `go tool pprof`, Pyroscope, Speedscope)',
      enumParam(['cpuprofile', 'pprof'] as const, 'cpuprofile'),
    ),
  }),
  expectedMs: (params) => params.seconds * 1000,
  extension: (params) => EXTENSIONS[params.format],
  contentType: (params) => (params.format === 'pprof' ? PPROF_TYPE : JSON_TYPE),
  compressible: () => false,
  async produce(target, params, sink, { signal }) {
    const [{ takeCpuProfile }, { cpuProfileToPprof }] = await Promise.all([import('../cpu-profile.js'), import('../pprof/cpu-profile-to-pprof.js')]);
    const startedAtMs = Date.now();
    const { profile, warnings } = await takeCpuProfile(target, { durationMs: params.seconds * 1000, intervalUs: params.interval, signal });
    for (const warning of warnings) sink.warn(warning);
    sink.write(params.format === 'pprof' ? cpuProfileToPprof(profile, params.interval, startedAtMs) : JSON.stringify(profile));
    return { samples: profile.samples?.length ?? 0, warnings: warnings.length };
  },
});
