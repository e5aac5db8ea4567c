import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { classNames } from './class-names.js';
import { graphKinds } from './graph-kinds.js';
import { retainerPath, shortestRetainers } from './retainer-paths.js';
import { attributeOwnedSizes } from './shallow-sizes.js';

/** Classes below 2^21 and ids below 2^32 pack into one double (exact below 2^53), sorted natively. */
const CLASS_BITS = 2 ** 21;

/** One snapshot's objects by V8 id, sorted, with each one's class: what the next snapshot is compared with. */
export interface IdIndex {
  /** id * 2^21 + class, ascending. */
  packed: Float64Array;
  names: string[];
}

export function idIndex(graph: HeapGraph): IdIndex {
  const { classOf, names } = classNames(graph, graphKinds(graph));
  const packed = new Float64Array(graph.nodeCount);
  for (let n = 0; n < graph.nodeCount; n++) packed[n] = graph.nodeId[n]! * CLASS_BITS + classOf[n]!;
  packed.sort();
  return { packed, names };
}

/** The position of `id` in the index, or -1. */
function find(index: Float64Array, id: number): number {
  let low = 0;
  let high = index.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const found = Math.floor(index[middle]! / CLASS_BITS);
    if (found === id) return middle;
    if (found < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

export interface NewObjects {
  /** Ids in the second snapshot that the first does not have, ascending (packed as in IdIndex, class 0). */
  ids: Float64Array;
  /** Objects in both, and how many of those changed class: more than a few means the ids were not kept. */
  shared: number;
  changedClass: number;
}

/** The objects of `later` that `earlier` does not have, by id; and whether the two share ids at all. */
export function newObjects(earlier: IdIndex, later: HeapGraph): NewObjects {
  const { classOf, names } = classNames(later, graphKinds(later));
  const fresh: number[] = [];
  let shared = 0;
  let changedClass = 0;
  for (let n = 0; n < later.nodeCount; n++) {
    const id = later.nodeId[n]!;
    const at = find(earlier.packed, id);
    if (at === -1) {
      fresh.push(id * CLASS_BITS);
      continue;
    }
    shared++;
    if (earlier.names[earlier.packed[at]! % CLASS_BITS] !== names[classOf[n]!]) changedClass++;
  }
  const ids = Float64Array.from(fresh);
  ids.sort();
  return { ids, shared, changedClass };
}

export interface Survivors {
  name: string;
  /** Objects allocated between the first and second snapshots still alive in the third. */
  count: number;
  selfSize: number;
  /** The retainer path of the largest of them in the third snapshot. */
  path: string;
}

/**
 * The three-snapshot technique: of the objects allocated between the first and second snapshots
 * (`allocated`), those still alive in the third, by class, most first; each class with the retainer
 * path of its largest survivor. Objects of self size 0 are not counted (DevTools' rule); self sizes are
 * DevTools' attributed ones. Rewrites the third graph's self sizes.
 */
export function survivors(allocated: NewObjects, last: HeapGraph, top: number): Survivors[] {
  const kinds = graphKinds(last);
  attributeOwnedSizes(last, kinds);
  const classes = classNames(last, kinds);
  const byClass = new Map<number, { count: number; selfSize: number; largest: number }>();
  for (let n = 0; n < last.nodeCount; n++) {
    const size = last.nodeSelfSize[n]!;
    if (size === 0 || find(allocated.ids, last.nodeId[n]!) === -1) continue;
    const c = classes.classOf[n]!;
    const entry = byClass.get(c);
    if (entry === undefined) byClass.set(c, { count: 1, selfSize: size, largest: n });
    else {
      entry.count++;
      entry.selfSize += size;
      if (size > last.nodeSelfSize[entry.largest]!) entry.largest = n;
    }
  }
  const ranked = [...byClass].sort(([, a], [, b]) => b.count - a.count || b.selfSize - a.selfSize).slice(0, top);
  const via = shortestRetainers(last, kinds);
  return ranked.map(([c, entry]) => ({ name: classes.names[c]!, count: entry.count, selfSize: entry.selfSize, path: retainerPath(last, kinds, classes, via, entry.largest) }));
}
