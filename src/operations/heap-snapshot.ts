import type { CdpTarget } from '../targets/target.js';
import { NamedPipeUnavailableError, namedPipesAvailable, pipeHeapSnapshot } from './heap-snapshot-pipe.js';

export interface HeapSnapshotOptions {
  /** DevTools "expose internals": include V8's internal objects and edges. */
  exposeInternals?: boolean;
  /** DevTools "include numerical values": record the values of numbers, not just that they exist. */
  captureNumericValue?: boolean;
  /** Called with V8's progress while it builds the snapshot, where the target may be asked for it. */
  onProgress?: (progress: { done: number; total: number; finished: boolean }) => void;
}

/**
 * Takes a heap snapshot of the target and hands each serialized chunk to `onChunk` as V8 produces it.
 * Nothing here holds more than one chunk: staging (memory, spill file, gzip) is the caller's choice.
 * Resolves when V8 has written the last chunk.
 *
 * Two engines, chosen by what the target can do: where it shares this file system from another thread
 * and named pipes exist, V8 writes into a pipe at the speed of v8.writeHeapSnapshot (no progress events
 * then); otherwise the protocol's chunk events carry it.
 */
export async function takeHeapSnapshot(
  target: CdpTarget,
  onChunk: (chunk: string | Buffer) => void,
  options: HeapSnapshotOptions = {},
): Promise<void> {
  if (target.capabilities.sharedFileSystem && namedPipesAvailable()) {
    try {
      await pipeHeapSnapshot(target, onChunk, {
        exposeInternals: options.exposeInternals === true,
        captureNumericValue: options.captureNumericValue === true,
      });
      return;
    } catch (error) {
      if (!(error instanceof NamedPipeUnavailableError)) throw error;
    }
  }
  await takeHeapSnapshotByEvents(target, onChunk, options);
}

/** The protocol's own way: HeapProfiler.takeHeapSnapshot and one addHeapSnapshotChunk event per chunk. */
export async function takeHeapSnapshotByEvents(
  target: CdpTarget,
  onChunk: (chunk: string) => void,
  options: HeapSnapshotOptions = {},
): Promise<void> {
  const chunkListener = (params: { chunk: string }) => onChunk(params.chunk);
  const reportProgress = options.onProgress !== undefined && target.capabilities.progressEvents;
  const progressListener = (params: { done: number; total: number; finished?: boolean }) =>
    options.onProgress?.({ done: params.done, total: params.total, finished: params.finished === true });

  target.on('HeapProfiler.addHeapSnapshotChunk', chunkListener);
  if (reportProgress) target.on('HeapProfiler.reportHeapSnapshotProgress', progressListener);
  try {
    await target.send('HeapProfiler.takeHeapSnapshot', {
      reportProgress,
      exposeInternals: options.exposeInternals === true,
      captureNumericValue: options.captureNumericValue === true,
    });
  } finally {
    target.off('HeapProfiler.addHeapSnapshotChunk', chunkListener);
    if (reportProgress) target.off('HeapProfiler.reportHeapSnapshotProgress', progressListener);
  }
}
