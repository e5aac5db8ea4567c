import type { CdpTarget } from '../targets/target.js';

export interface HeapUsage {
  /** Bytes of the JavaScript heap in use. */
  usedSize: number;
  /** Bytes the JavaScript heap has reserved. */
  totalSize: number;
}

/** The target thread's own V8 heap, as its inspector reads it: no GC, no pause, answered by interrupt. */
export function heapUsage(target: CdpTarget): Promise<HeapUsage> {
  return target.send<HeapUsage>('Runtime.getHeapUsage');
}
