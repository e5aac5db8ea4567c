import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import type { ClassIndex } from './class-names.js';
import type { DominatedNodes } from './dominated-nodes.js';
import type { DominatorTree } from './dominators.js';

export interface ClassSummary {
  name: string;
  count: number;
  selfSize: number;
  retainedSize: number;
}

/**
 * The Summary view by constructor, by DevTools' rules: objects of self size 0 are not counted; a
 * class's retained size is the sum over its objects that no other object of the same class dominates
 * (so nested ones are not counted twice). `from` limits it to one subtree of the dominator tree (what
 * one object holds); the default is the whole heap. `stack` may be given to share one among calls.
 */
export function classSummary(graph: HeapGraph, classes: ClassIndex, tree: DominatorTree, dominated: DominatedNodes, from = 0, stack = walkStack(graph)): ClassSummary[] {
  const { nodeSelfSize } = graph;
  const { classOf, names } = classes;
  const count = new Float64Array(names.length);
  const self = new Float64Array(names.length);
  const retained = new Float64Array(names.length);
  const open = new Uint8Array(names.length);
  // A walk down the tree; an entry ~n (negative) closes n's class when its subtree is done.
  let top = 0;
  const push = (entry: number): void => {
    stack[top++] = entry;
  };
  push(from);
  while (top > 0) {
    const entry = stack[--top]!;
    if (entry < 0) {
      open[classOf[~entry]!] = 0;
      continue;
    }
    const n = entry;
    const size = nodeSelfSize[n]!;
    const c = classOf[n]!;
    if (size !== 0) {
      count[c] = count[c]! + 1;
      self[c] = self[c]! + size;
      if (open[c] === 0) {
        retained[c] = retained[c]! + tree.retained[n]!;
        if (dominated.first[n] !== dominated.first[n + 1]) {
          open[c] = 1;
          push(~n);
        }
      }
    }
    for (let k = dominated.first[n]!, end = dominated.first[n + 1]!; k < end; k++) push(dominated.nodes[k]!);
  }
  const summary: ClassSummary[] = [];
  for (let c = 0; c < names.length; c++) {
    if (count[c] === 0) continue;
    summary.push({ name: names[c]!, count: count[c]!, selfSize: self[c]!, retainedSize: retained[c]! });
  }
  return summary.sort((a, b) => b.retainedSize - a.retainedSize || b.selfSize - a.selfSize || (a.name < b.name ? -1 : 1));
}

/**
 * The stack of a walk down the dominator tree, sized for the worst case (every node once, and once more
 * to close its class) rather than grown by copies: a node such as (Internalized strings) dominates
 * millions at once, and an array is resident only as deep as the walk writes it.
 */
export function walkStack(graph: HeapGraph): Int32Array {
  return new Int32Array(2 * graph.nodeCount + 1);
}
