import type { CpuProfile } from './cpu-profile.js';
import type { SamplingHeapProfile } from './heap-profile.js';
import { cpuProfileToPprof } from './pprof/cpu-profile-to-pprof.js';
import { heapProfileToPprof } from './pprof/heap-profile-to-pprof.js';

/** A finished artifact: its bytes, file extension and media type. */
export interface Artifact {
  body: Buffer | string;
  extension: string;
  contentType: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PPROF_TYPE = 'application/octet-stream';

export const CPU_EXTENSIONS = { cpuprofile: 'cpuprofile', pprof: 'cpu.pb.gz' } as const;
export const HEAP_PROFILE_EXTENSIONS = { heapprofile: 'heapprofile', pprof: 'heap.pb.gz' } as const;

export function cpuProfileArtifact(profile: CpuProfile, format: keyof typeof CPU_EXTENSIONS, intervalUs: number, startedAtMs: number): Artifact {
  return format === 'pprof'
    ? { body: cpuProfileToPprof(profile, intervalUs, startedAtMs), extension: CPU_EXTENSIONS.pprof, contentType: PPROF_TYPE }
    : { body: JSON.stringify(profile), extension: CPU_EXTENSIONS.cpuprofile, contentType: JSON_TYPE };
}

export function heapProfileArtifact(
  profile: SamplingHeapProfile,
  format: keyof typeof HEAP_PROFILE_EXTENSIONS,
  intervalBytes: number,
  startedAtMs: number,
  includeCollected = false,
): Artifact {
  return format === 'pprof'
    ? {
        body: heapProfileToPprof(profile, intervalBytes, startedAtMs, Date.now() - startedAtMs, includeCollected),
        extension: HEAP_PROFILE_EXTENSIONS.pprof,
        contentType: PPROF_TYPE,
      }
    : { body: JSON.stringify(profile), extension: HEAP_PROFILE_EXTENSIONS.heapprofile, contentType: JSON_TYPE };
}
