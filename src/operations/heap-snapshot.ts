import type { CdpTarget } from '../targets/target.js';
import { isCode } from '../errors.js';
import { namedPipesAvailable, pipeHeapSnapshot, pipeHeapSnapshotThroughReaderThread, writeSnapshotInto } from './heap-snapshot-pipe.js';
import { releaseSnapshotMemory } from './snapshot-memory-release.js';

export interface HeapSnapshotOptions {
  /** DevTools "expose internals": include V8's internal objects and edges. */
  exposeInternals?: boolean;
  /** DevTools "include numerical values": record the values of numbers, not just that they exist. */
  captureNumericValue?: boolean;
  /** Called with V8's progress while it builds the snapshot, where the target may be asked for it. */
  onProgress?: (progress: { done: number; total: number; finished: boolean }) => void;
  /**
   * Where a target on this very thread has its snapshot staged while V8 freezes the thread: the first
   * `memoryLimitBytes` in memory, the rest in a private spill file under `tmpdir` (where the named pipe
   * is made too). Default 32 MiB and the OS temp directory.
   */
  staging?: { memoryLimitBytes: number; tmpdir: string | undefined };
  /**
   * For engines that hand over staged data: undefined when the consumer takes more now, else a promise
   * of when it will. Live engines cannot hold V8 back and never ask (the consumer bounds its backlog).
   */
  consumerReady?: () => Promise<void> | undefined;
  /** Stops handing staged data over (the consumer went away); V8 itself cannot be stopped mid-snapshot. */
  signal?: AbortSignal;
  /** Give back what V8 keeps after the snapshot (its object ids; see snapshot-memory-release.ts). Default true. */
  releaseMemory?: boolean;
}

/** Receives each chunk, in order. */
export type SnapshotChunkSink = (chunk: string | Buffer) => void;

export interface HeapSnapshotStats {
  /** Bytes the engine staged in a spill file while the target's thread (this one) was frozen writing. */
  stagedOnDiskBytes: number;
}

const DEFAULT_STAGING = { memoryLimitBytes: 32 * 1024 * 1024, tmpdir: undefined };

/**
 * Takes a heap snapshot of the target and hands each serialized chunk to `onChunk`. Resolves when the
 * last chunk has been handed over.
 *
 * Three engines, chosen by what the target can do, where named pipes exist:
 * - a target on another thread of this process writes with v8.writeHeapSnapshot into a pipe this
 *   thread reads as V8 writes (V8's own speed; no progress events then);
 * - a target on this very thread does the same into a pipe a reader thread drains, within `staging`,
 *   and the chunks are handed over once V8 is done (this thread is frozen until then anyway);
 * - otherwise (another process) the protocol's chunk events carry it.
 */
export async function takeHeapSnapshot(target: CdpTarget, onChunk: SnapshotChunkSink, options: HeapSnapshotOptions = {}): Promise<HeapSnapshotStats> {
  try {
    return await takeHeapSnapshotWithEngine(target, onChunk, options);
  } finally {
    if (options.releaseMemory !== false) await releaseSnapshotMemory(target);
  }
}

async function takeHeapSnapshotWithEngine(target: CdpTarget, onChunk: SnapshotChunkSink, options: HeapSnapshotOptions): Promise<HeapSnapshotStats> {
  const { sharedFileSystem, sameThread } = target.capabilities;
  if (sharedFileSystem && namedPipesAvailable()) {
    const staging = options.staging ?? DEFAULT_STAGING;
    const what = { exposeInternals: options.exposeInternals === true, captureNumericValue: options.captureNumericValue === true, tmpdir: staging.tmpdir };
    try {
      if (sameThread) {
        return await pipeHeapSnapshotThroughReaderThread(target, onChunk, {
          ...what,
          memoryLimitBytes: staging.memoryLimitBytes,
          consumerReady: options.consumerReady,
          signal: options.signal,
        });
      }
      await pipeHeapSnapshot(target, onChunk, what);
      return { stagedOnDiskBytes: 0 };
    } catch (error) {
      if (!isCode(error, 'NAMED_PIPE_UNAVAILABLE')) throw error;
    }
  }
  await takeHeapSnapshotByEvents(target, onChunk, options);
  return { stagedOnDiskBytes: 0 };
}

/** The protocol's own way: HeapProfiler.takeHeapSnapshot and one addHeapSnapshotChunk event per chunk. */
export async function takeHeapSnapshotByEvents(
  target: CdpTarget,
  onChunk: SnapshotChunkSink,
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

/**
 * For a target that shares this file system: V8 writes the snapshot straight into `path`, at its own
 * speed and chunk by chunk. An existing file there is truncated and keeps its mode (the dump store
 * makes it 0600 first).
 */
export async function writeHeapSnapshotToFile(
  target: CdpTarget,
  path: string,
  options: Pick<HeapSnapshotOptions, 'exposeInternals' | 'captureNumericValue' | 'releaseMemory'> = {},
): Promise<void> {
  try {
    await writeSnapshotInto(target, path, { exposeInternals: options.exposeInternals === true, captureNumericValue: options.captureNumericValue === true });
  } finally {
    if (options.releaseMemory !== false) await releaseSnapshotMemory(target);
  }
}
