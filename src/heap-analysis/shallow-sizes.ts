import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import type { GraphKinds } from './graph-kinds.js';
import { ScratchArrays } from './scratch-arrays.js';

const UNVISITED = 0xffffffff;
const SHARED = 0xfffffffe;

/**
 * DevTools' self sizes: an internal node (type hidden or array: a backing store, a hash table) reached
 * only through one object is counted in that object's self size, and its own becomes 0; shared ones keep
 * theirs. So an Array's self size holds its elements store, as the Summary view shows it. Nothing moves
 * into a synthetic node, and nothing at all when the root has no user roots (a snapshot taken with
 * internals exposed). Rewrites `graph.nodeSelfSize` in place, as DevTools does.
 */
export function attributeOwnedSizes(graph: HeapGraph, kinds: GraphKinds, scratch = new ScratchArrays()): void {
  const { nodeCount, nodeType, firstEdge, edgeType, edgeTarget, nodeSelfSize } = graph;
  if (!hasUserRoots(graph, kinds)) return;
  const owners = scratch.take(nodeCount + 1);
  // Each node enters the work list at most twice: once owned, once shared.
  const work = scratch.take(2 * nodeCount);
  let length = 0;
  for (let n = 0; n < nodeCount; n++) {
    const type = nodeType[n];
    if (type === kinds.hidden || type === kinds.array) owners[n] = UNVISITED;
    else {
      owners[n] = n;
      work[length++] = n;
    }
  }
  while (length > 0) {
    const n = work[--length]!;
    const owner = owners[n]!;
    for (let e = firstEdge[n]!, end = firstEdge[n + 1]!; e < end; e++) {
      if (edgeType[e] === kinds.weak) continue;
      const target = edgeTarget[e]!;
      const current = owners[target]!;
      if (current === UNVISITED) {
        owners[target] = owner;
        work[length++] = target;
      } else if (current !== target && current !== owner && current !== SHARED) {
        owners[target] = SHARED;
        work[length++] = target;
      }
    }
  }
  for (let n = 0; n < nodeCount; n++) {
    const owner = owners[n]!;
    if (owner === UNVISITED || owner === SHARED || owner === n) continue;
    if (nodeType[owner] === kinds.synthetic || owner === kinds.root) continue;
    nodeSelfSize[owner] = nodeSelfSize[owner]! + nodeSelfSize[n]!;
    nodeSelfSize[n] = 0;
  }
  // The work list is twice the graph's size, more than any later stage takes: its memory goes back now.
  scratch.give(owners);
  scratch.release(work);
}

/** A user root is a non-synthetic node the root points at (the global object). */
function hasUserRoots(graph: HeapGraph, kinds: GraphKinds): boolean {
  for (let e = graph.firstEdge[kinds.root]!, end = graph.firstEdge[kinds.root + 1]!; e < end; e++) {
    if (graph.nodeType[graph.edgeTarget[e]!] !== kinds.synthetic) return true;
  }
  return false;
}
