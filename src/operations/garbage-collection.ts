import type { CdpTarget } from '../targets/target.js';

export interface HeapUsage {
  /** Bytes of the JavaScript heap in use. */
  usedSize: number;
  /** Bytes the JavaScript heap has reserved. */
  totalSize: number;
}

export interface GarbageCollectionResult {
  before: HeapUsage;
  after: HeapUsage;
  freedBytes: number;
  durationMs: number;
}

export function heapUsage(target: CdpTarget): Promise<HeapUsage> {
  return target.send<HeapUsage>('Runtime.getHeapUsage');
}

/** A full, compacting garbage collection of the target's heap, with the heap in use before and after. */
export async function collectGarbage(target: CdpTarget): Promise<GarbageCollectionResult> {
  const before = await heapUsage(target);
  const started = performance.now();
  await target.send('HeapProfiler.collectGarbage');
  const durationMs = performance.now() - started;
  const after = await heapUsage(target);
  return {
    before: pick(before),
    after: pick(after),
    freedBytes: Math.max(0, before.usedSize - after.usedSize),
    durationMs: Math.round(durationMs * 10) / 10,
  };
}

function pick(usage: HeapUsage): HeapUsage {
  return { usedSize: usage.usedSize, totalSize: usage.totalSize };
}
