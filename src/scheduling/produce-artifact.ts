import { artifactFileName } from '../http/artifact-name.js';
import { OperationAbortedError } from '../operations/abortable-delay.js';
import { cpuProfileArtifact, heapProfileArtifact } from '../operations/artifact-formats.js';
import { takeCpuProfile } from '../operations/cpu-profile.js';
import { takeHeapProfile } from '../operations/heap-profile.js';
import { takeHeapSnapshot, writeHeapSnapshotToFile } from '../operations/heap-snapshot.js';
import type { CdpTarget } from '../targets/target.js';
import type { PartialFile } from './dump-store.js';

/** What a scheduled job produces: the same operations and parameters as the direct endpoints. */
export type ArtifactRequest =
  | { kind: 'heapsnapshot'; extension: string; params: { exposeInternals?: boolean; captureNumericValue?: boolean } }
  | { kind: 'cpuprofile'; extension: string; params: { seconds: number; interval: number; format: 'cpuprofile' | 'pprof' } }
  | { kind: 'heapprofile'; extension: string; params: { seconds: number; interval: number; format: 'heapprofile' | 'pprof'; includeCollected?: boolean } };

/**
 * Runs the operation into `file` chunk by chunk (a snapshot is never whole in memory) and returns the
 * download name, stamped with the time the artifact was taken.
 */
export async function produceArtifact(target: CdpTarget, request: ArtifactRequest, file: PartialFile, signal: AbortSignal): Promise<string> {
  const startedAtMs = Date.now();
  const name = artifactFileName(request.extension, new Date(startedAtMs));
  switch (request.kind) {
    case 'heapsnapshot': {
      const options = { exposeInternals: request.params.exposeInternals === true, captureNumericValue: request.params.captureNumericValue === true };
      // Where the target can open the store's file itself, V8 writes it directly: no pipe, no staging.
      if (target.capabilities.sharedFileSystem) await writeHeapSnapshotToFile(target, file.path, options);
      else await takeHeapSnapshot(target, (chunk) => file.write(chunk), options);
      if (signal.aborted) throw new OperationAbortedError('Heap snapshot');
      return name;
    }
    case 'cpuprofile': {
      const { seconds, interval, format } = request.params;
      const { profile } = await takeCpuProfile(target, { durationMs: seconds * 1000, intervalUs: interval, signal });
      file.write(cpuProfileArtifact(profile, format, interval, startedAtMs).body);
      return name;
    }
    case 'heapprofile': {
      const { seconds, interval, format, includeCollected = false } = request.params;
      const profile = await takeHeapProfile(target, { durationMs: seconds * 1000, intervalBytes: interval, signal, includeCollected });
      file.write(heapProfileArtifact(profile, format, interval, startedAtMs, includeCollected).body);
      return name;
    }
  }
}
