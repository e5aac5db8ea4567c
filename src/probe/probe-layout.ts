/**
 * The main-thread probe publishes its figures in a SharedArrayBuffer so that the endpoint's worker can
 * read them at any time, even while the main thread is blocked (then they are stale, and say by how
 * much). One Float64Array, guarded by a sequence counter in an Int32Array over the same memory: the
 * writer makes it odd while writing; a reader retries until it sees the same even value before and after.
 */
export const MAX_SPACES = 16;
export const GC_RING_CAPACITY = 8192;

/** Kinds of GC as prom-client labels them; the index is the code stored in the ring. */
export const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;
export type GcKind = (typeof GC_KINDS)[number];

/**
 * Int32 slots over the first Float64 slot: 0 is the sequence counter; 1 is the wake counter, which a
 * reader bumps (and notifies) to ask the main thread for fresh figures now.
 */
export const SEQ_INT32 = 0;
export const WAKE_INT32 = 1;

/** Scalar slots, in Float64 units. Slot 0 holds the sequence and wake counters (as Int32 0 and 1). */
export const F = {
  seq: 0,
  startedAt: 1,
  updatedAt: 2,
  intervalMs: 3,
  heapUsed: 4,
  heapTotal: 5,
  heapLimit: 6,
  external: 7,
  arrayBuffers: 8,
  /** When a reader last asked for the full figures (spaces, contexts, heap limit): the next wake reads them too. */
  fullRequestedAt: 9,
  mallocedMemory: 10,
  nativeContexts: 11,
  detachedContexts: 12,
  activeResources: 13,
  /** Event-loop delay in nanoseconds as the histogram keeps it (the reader converts: no arithmetic on the main thread). */
  eldMin: 14,
  eldMax: 15,
  eldMean: 16,
  eldStddev: 17,
  eldP50: 18,
  eldP90: 19,
  eldP99: 20,
  /** Milliseconds the delay histogram has been collecting since its last reset. */
  eldWindowMs: 21,
  elu: 22,
  /** Milliseconds between the last two ticks (the reader subtracts the interval to get the lag). */
  lastTickGapMs: 23,
  spaceCount: 24,
  /** Total GC events written to the ring so far (monotonic: the ring index is this modulo capacity). */
  gcWritten: 25,
  /** Per kind: count, then seconds (GC_KINDS order). */
  gcTotals: 26,
  /** The probe's last tick (ms since epoch): proof that the main thread still runs its timers. */
  heartbeatAt: 26 + GC_KINDS.length * 2,
  /** When the full figures were last read (`updatedAt` is the last refresh of any kind). */
  fullUpdatedAt: 27 + GC_KINDS.length * 2,
  /** 0, or the code (DEGRADED_REASONS index) of the last figure the probe could not read. */
  degraded: 28 + GC_KINDS.length * 2,
  /**
   * Live refreshes asked for (a count a reader bumps) and served (the count the probe's tick last saw):
   * a tick refreshes the live figures when they differ. Small integers, so the tick compares them
   * without allocating (a Float64Array read of a large double, a time, is a 16-byte heap number).
   */
  liveRequests: 29 + GC_KINDS.length * 2,
  liveServed: 30 + GC_KINDS.length * 2,
  spaces: 31 + GC_KINDS.length * 2,
} as const;

/** Why the probe's figures may be incomplete; index = the code in F.degraded. */
export const DEGRADED_REASONS = [
  null,
  'process.memoryUsage() failed (out of file descriptors?): external and arrayBuffers are the last values read',
  'a probe tick failed: figures may be stale',
] as const;

/** Per space: size, used, available, physical. */
export const SPACE_FIELDS = 4;
/**
 * Per GC event: time (ms since epoch), kind code, duration (s), heap used before, heap used after, and
 * the old generation's used bytes after it (every space but the young generation's).
 */
export const GC_FIELDS = 6;
export const GC_RING_OFFSET = F.spaces + MAX_SPACES * SPACE_FIELDS;
export const TOTAL_SLOTS = GC_RING_OFFSET + GC_RING_CAPACITY * GC_FIELDS;

export function createProbeBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(TOTAL_SLOTS * Float64Array.BYTES_PER_ELEMENT);
}
