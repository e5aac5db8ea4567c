import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import type { ClassIndex } from './class-names.js';
import type { DominatedNodes } from './dominated-nodes.js';
import type { DominatorTree } from './dominators.js';
import { globalObjects, type GraphKinds } from './graph-kinds.js';

/** An object must hold at least this share of the heap to be a suspect. */
const MIN_SHARE = 0.01;
/** A holder that passes this share of what it holds to one object below it is a step, not the suspect. */
const PASS_THROUGH = 0.8;

/**
 * The few objects that hold a large share of the heap, in the manner of Eclipse MAT's leak suspects: the
 * dominator tree is walked down from the root through what only passes memory on (the global object, a
 * module object holding one big thing, engine internals) to the accumulation point, the object below
 * which the memory spreads into many small ones. Only objects a program makes count (objects, closures,
 * regexps, natives), never the global objects, system objects or backing stores. Returns node ordinals,
 * largest first. `globals` may be given when the graph's edges are no longer there to find them.
 */
export function leakSuspects(graph: HeapGraph, kinds: GraphKinds, classes: ClassIndex, tree: DominatorTree, dominated: DominatedNodes, top: number, globals = globalObjects(graph, kinds)): number[] {
  const { nodeType } = graph;
  const total = tree.retained[kinds.root]!;
  const threshold = total * MIN_SHARE;
  const candidate = (n: number): boolean => {
    const type = nodeType[n];
    if (type !== kinds.object && type !== kinds.closure && type !== kinds.regexp && type !== kinds.native) return false;
    if (globals.has(n)) return false;
    return !classes.names[classes.classOf[n]!]!.startsWith('system / ');
  };
  const suspects: number[] = [];
  // Walk down from the root, only into subtrees big enough to matter.
  const stack: number[] = [kinds.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const held = tree.retained[n]!;
    const bigChildren = biggestCandidatesBelow(n, candidate, tree, dominated, threshold);
    if (n !== kinds.root && candidate(n)) {
      const largest = bigChildren.length === 0 ? 0 : tree.retained[bigChildren[0]!]!;
      if (largest < held * PASS_THROUGH) {
        suspects.push(n);
        continue;
      }
    }
    stack.push(...bigChildren);
  }
  return suspects.sort((a, b) => tree.retained[b]! - tree.retained[a]!).slice(0, top);
}

/**
 * The nearest candidates below `n` in the dominator tree (looking through non-candidates), of at least
 * `threshold` retained, largest first.
 */
function biggestCandidatesBelow(n: number, candidate: (n: number) => boolean, tree: DominatorTree, dominated: DominatedNodes, threshold: number): number[] {
  const found: number[] = [];
  const stack: number[] = [];
  const pushChildren = (m: number): void => {
    for (let k = dominated.first[m]!, end = dominated.first[m + 1]!; k < end; k++) {
      const child = dominated.nodes[k]!;
      if (tree.retained[child]! >= threshold) stack.push(child);
    }
  };
  pushChildren(n);
  while (stack.length > 0) {
    const m = stack.pop()!;
    if (candidate(m)) found.push(m);
    else pushChildren(m);
  }
  return found.sort((a, b) => tree.retained[b]! - tree.retained[a]!);
}
