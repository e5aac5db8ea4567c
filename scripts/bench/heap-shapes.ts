import { randomBytes } from 'node:crypto';
import { buildSmallObjectHeap } from './small-object-heap.js';

/** Heaps of different shapes for the snapshot memory calibration, each about `mib` MiB of heapUsed. */
export const HEAP_SHAPES = ['small-objects', 'large-strings', 'large-arrays', 'big-map', 'closures', 'object-array', 'external-buffers'] as const;
export type HeapShape = (typeof HEAP_SHAPES)[number];

const MiB = 1024 * 1024;
type Holder = typeof globalThis & { benchShape?: unknown };

export function buildHeapShape(shape: HeapShape, mib: number): void {
  const holder = globalThis as Holder;
  switch (shape) {
    case 'small-objects':
      // About 270 bytes of heap per item (see small-object-heap.ts).
      buildSmallObjectHeap(Math.round((mib * MiB) / 270));
      return;
    case 'large-strings': {
      // Flat one-byte strings of 512 Ki characters: each a single object in the large-object space (Node
      // would make larger ones from a Buffer external strings, outside the heap).
      const strings: string[] = [];
      for (let i = 0; i < mib * 2; i++) strings.push(randomBytes(256 * 1024).toString('hex'));
      holder.benchShape = strings;
      return;
    }
    case 'large-arrays': {
      // 1 MiB arrays, half of doubles and half of small integers: neither holds references to other objects.
      const arrays: number[][] = [];
      for (let i = 0; i < mib; i++) {
        const array = new Array<number>(MiB / 8);
        for (let k = 0; k < array.length; k++) array[k] = i % 2 === 0 ? k + 0.5 : k;
        arrays.push(array);
      }
      holder.benchShape = arrays;
      return;
    }
    case 'big-map': {
      // Number keys to small objects: about 100 bytes per entry with the table's share.
      const map = new Map<number, { v: number; s: string }>();
      const entries = Math.round((mib * MiB) / 100);
      for (let i = 0; i < entries; i++) map.set(i, { v: i, s: `v${i % 1000}` });
      holder.benchShape = map;
      return;
    }
    case 'closures': {
      // Chains of closures, each holding its own context with a captured value and the previous closure.
      const chains: Array<() => number> = [];
      const links = Math.round((mib * MiB) / 120);
      let previous = () => 0;
      for (let i = 0; i < links; i++) {
        const captured = i;
        const before = previous;
        previous = () => captured + (i % 1000 === 0 ? 0 : before());
        if (i % 1000 === 999) {
          chains.push(previous);
          previous = () => 0;
        }
      }
      chains.push(previous);
      holder.benchShape = chains;
      return;
    }
    case 'object-array': {
      // One array of small objects (a cache of records): its elements are a single large object whose
      // every slot is an edge named by its index, and V8 keeps each distinct index name in a 1 KiB buffer.
      const records: Array<{ v: number; s: string }> = [];
      const count = Math.round((mib * MiB) / 80);
      for (let i = 0; i < count; i++) records.push({ v: i, s: `r${i % 1000}` });
      holder.benchShape = records;
      return;
    }
    case 'external-buffers': {
      // 1 MiB Buffers: their bytes are outside the heap (external memory), one small object each inside it.
      const buffers: Buffer[] = [];
      for (let i = 0; i < mib; i++) buffers.push(Buffer.alloc(MiB, i));
      holder.benchShape = buffers;
      return;
    }
  }
}
