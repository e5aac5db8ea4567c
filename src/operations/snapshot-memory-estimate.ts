import type { CdpTarget } from '../targets/target.js';
import { readMemoryViaInspector, type InspectorMemoryFigures } from './memory-usage.js';

/** The figures the estimate rests on, all cheap to read in the target (v8.getHeapStatistics and spaces). */
export interface SnapshotEstimateInputs {
  /** Heap in use outside the large-object spaces: many objects per byte, each an entry with edges. */
  regularUsedBytes: number;
  /** Heap in large-object spaces: few objects (big strings, arrays, hash tables) per byte. */
  largeObjectUsedBytes: number;
  nativeContexts: number;
}

export interface SnapshotMemoryEstimate {
  /** The most the target's RSS is expected to grow while V8 builds and writes a heap snapshot. */
  peakExtraBytes: number;
  inputs: SnapshotEstimateInputs;
}

/**
 * The model, calibrated by `npm run bench -- --snapshot-memory` (docs/memory.md shows the corpus and
 * the table): V8's snapshot keeps one entry per object and one edge per reference, plus an object id
 * for each, so its size follows the number of objects and references, not their bytes. Bytes in the
 * regular spaces are the only cheap proxy for that number. Measured per regular heap byte, heaps of
 * small objects or closures cost 6-8 bytes at the peak, a big Map of small objects about 25 (more
 * objects per byte, and its hash table's references, which live in the large-object space). The factor
 * is set for the Map, so the estimate is an upper bound on every heap measured, at the price of about
 * 3x too much for plain small objects. Large-object spaces cost almost nothing when they hold strings
 * or arrays of numbers (V8 copies at most 1 KiB of a string and records no edge for a number); a
 * Map's table there is covered by the regular factor, since its entries are regular objects.
 */
export const SNAPSHOT_MODEL = {
  perRegularByte: 26,
  perLargeObjectByte: 0.05,
  perNativeContextBytes: 4 * 1024 * 1024,
  baseBytes: 48 * 1024 * 1024,
} as const;

const LARGE_OBJECT_SPACES = new Set(['large_object_space', 'code_large_object_space', 'new_large_object_space', 'shared_large_object_space', 'trusted_large_object_space']);

export function estimateInputsFromFigures(figures: Pick<InspectorMemoryFigures, 'heap' | 'spaces'>): SnapshotEstimateInputs {
  let regularUsedBytes = 0;
  let largeObjectUsedBytes = 0;
  for (const space of figures.spaces) {
    if (LARGE_OBJECT_SPACES.has(space.space_name)) largeObjectUsedBytes += space.space_used_size;
    else regularUsedBytes += space.space_used_size;
  }
  return { regularUsedBytes, largeObjectUsedBytes, nativeContexts: figures.heap.number_of_native_contexts };
}

export function estimateSnapshotPeak(inputs: SnapshotEstimateInputs): SnapshotMemoryEstimate {
  const peakExtraBytes =
    SNAPSHOT_MODEL.baseBytes +
    SNAPSHOT_MODEL.perRegularByte * inputs.regularUsedBytes +
    SNAPSHOT_MODEL.perLargeObjectByte * inputs.largeObjectUsedBytes +
    SNAPSHOT_MODEL.perNativeContextBytes * inputs.nativeContexts;
  return { peakExtraBytes: Math.round(peakExtraBytes), inputs };
}

/** Reads the target's heap figures through the inspector (any kind of target) and estimates its snapshot's peak. */
export async function estimateSnapshotMemory(target: CdpTarget): Promise<SnapshotMemoryEstimate> {
  return estimateSnapshotPeak(estimateInputsFromFigures(await readMemoryViaInspector(target)));
}
