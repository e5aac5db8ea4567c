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
 * The model, calibrated by `npm run bench -- --snapshot-memory` (docs/memory.md shows the corpus, the
 * table and what drives the peak). Two things make a snapshot's native memory:
 *
 * - an entry per object and an edge per reference (with their object ids): it follows the number of
 *   objects, for which bytes in the regular spaces are the only cheap proxy (`perRegularByte`);
 * - a name for every element edge of a fixed array (an array's elements, a Map's or Set's table, a
 *   dictionary) that points to an object: V8 formats each distinct index into a buffer of 1 KiB
 *   and keeps it until the snapshot is written. Names are shared, so it is the longest such array that
 *   counts, and a single array of a million objects costs about 1 GiB on its own. Such arrays are
 *   large objects, but so are long strings and arrays of numbers, which cost nothing: the space
 *   figures cannot tell them apart. The term is therefore bounded twice: by the large-object bytes
 *   (at most one name per 8-byte slot) and by the regular heap beyond a bare process's
 *   (`regularBaselineBytes`), where the objects those slots point to live. A heap of long strings has
 *   almost no regular heap and gets almost nothing; a Map or a cache array of records gets its table.
 *
 * The bound misses one shape: a long array of references to a few shared objects (`Array(n).fill(x)`),
 * whose names cost as much with no regular heap behind them; docs/memory.md says by how much.
 */
export const SNAPSHOT_MODEL = {
  /** Entries, edges and ids, per byte of regular heap: fitted, the cheapest objects' cost with a margin. */
  perRegularByte: 7.75,
  /** At most one 1 KiB index name (1040 bytes with malloc's header) per 8-byte slot of a large object. */
  perLargeObjectByte: 130,
  /** At most one index name per 32 bytes of regular heap (the smallest object with a property). */
  perRegularByteForNames: 32,
  /** What a bare Node process holds in its regular spaces, which no application array points to. */
  regularBaselineBytes: 4 * 1024 * 1024,
  perNativeContextBytes: 4 * 1024 * 1024,
  baseBytes: 16 * 1024 * 1024,
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
  const arrayNamesBytes = Math.min(
    SNAPSHOT_MODEL.perLargeObjectByte * inputs.largeObjectUsedBytes,
    SNAPSHOT_MODEL.perRegularByteForNames * Math.max(0, inputs.regularUsedBytes - SNAPSHOT_MODEL.regularBaselineBytes),
  );
  const peakExtraBytes =
    SNAPSHOT_MODEL.baseBytes +
    SNAPSHOT_MODEL.perRegularByte * inputs.regularUsedBytes +
    arrayNamesBytes +
    SNAPSHOT_MODEL.perNativeContextBytes * inputs.nativeContexts;
  return { peakExtraBytes: Math.round(peakExtraBytes), inputs };
}

/** Reads the target's heap figures through the inspector (any kind of target) and estimates its snapshot's peak. */
export async function estimateSnapshotMemory(target: CdpTarget): Promise<SnapshotMemoryEstimate> {
  return estimateSnapshotPeak(estimateInputsFromFigures(await readMemoryViaInspector(target)));
}
