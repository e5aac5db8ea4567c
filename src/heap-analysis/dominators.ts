import { releaseMemory } from '../heapsnapshot/array-memory.js';
import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { dominatedNodes, type DominatedNodes } from './dominated-nodes.js';
import type { GraphKinds } from './graph-kinds.js';
import type { LentGraphMemory } from './lent-graph-memory.js';
import { ScratchArrays } from './scratch-arrays.js';

const EMPTY = new Uint8Array(0);

export interface DominatorTree {
  /** The immediate dominator of each node (the root's is itself). */
  dominator: Uint32Array;
  /**
   * Each node's retained size: its self size plus that of every node it dominates. 32 bits when the
   * graph's self sizes are (the heap's total fits in them), else 64.
   */
  retained: Uint32Array | Float64Array;
  /** The tree's children lists, for walks down the tree. */
  dominated: DominatedNodes;
}

/**
 * Dominators from the synthetic root over the essential edges, on typed arrays: semidominators as
 * Lengauer and Tarjan compute them (with path compression, as DevTools runs it), then each immediate
 * dominator as the nearest common ancestor in the search tree at or above the semidominator (Semi-NCA,
 * as LLVM computes dominators): the same answer as DevTools' buckets, with four fewer arrays of the
 * graph's size. Vertices are numbered from 1 so that 0 means none. Nodes the root does not reach are
 * handled as DevTools does: first those with only non-essential (weak) retainers, searched from as if the
 * root held them, then any left, each hung on the root; so every node has a dominator and the root's
 * retained size is the whole heap. Reads only the graph's edge targets, edge offsets and self sizes, so
 * the parent and order arrays and the retainer lists may be the graph's other arrays, `lent`.
 */
export function dominatorTree(graph: HeapGraph, kinds: GraphKinds, essential: Uint8Array, scratch = new ScratchArrays(), lent?: LentGraphMemory): DominatorTree {
  const { nodeCount, firstEdge, edgeTarget, nodeSelfSize } = graph;
  const { firstRetainer, retainerNode } = essentialRetainers(graph, essential, scratch, lent?.retainers);
  const size = nodeCount + 1;
  // A work array this computation is done with: back to the pool, or, lent by the graph (whose contents
  // wait in a file), its memory back to the system.
  const finished = (array: Uint32Array): void => (lent === undefined ? scratch.give(array) : releaseMemory(array));
  const parent = lent === undefined ? scratch.take(size) : lent.parent.fill(0);
  const vertex = lent === undefined ? scratch.take(size) : lent.vertex.fill(0);
  const semi = scratch.take(size);
  // The forest of the path compression (then, once the semidominators are known, the dominators) and
  // its labels (then the retained sizes, when they fit in 32 bits): the search does not use them, so they
  // are made once it is over, in the edge targets when those are lent.
  let ancestor: Uint32Array;
  let label: Uint32Array;
  // The search's edge cursor, one per level of the search path rather than one per node: only as many
  // entries as the path gets deep are ever written, so the rest of a new array costs no resident memory
  // (so it is never given back: whoever took it would write it all).
  const cursor = new Uint32Array(size);
  let n = 0;

  const dfs = (start: number): void => {
    let depth = 0;
    cursor[0] = firstEdge[start - 1]!;
    let v = start;
    for (;;) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = v;
      }
      let following = parent[v]!;
      const end = firstEdge[v]!;
      for (let e = cursor[depth]!; e < end; e++) {
        if (essential[e] === 0) continue;
        const w = edgeTarget[e]! + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          cursor[depth] = e + 1;
          cursor[++depth] = firstEdge[w - 1]!;
          following = w;
          break;
        }
      }
      // Back up a level; above the start the search is over (for a start hung on the root, the root's
      // own edges were all searched already).
      if (following === parent[v] && depth-- === 0) return;
      v = following;
    }
  };

  // The search is over: its cursor becomes the compression's stack (as deep as the longest compressed path).
  const compressionStack = cursor;
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    let top = 0;
    let u = v;
    while (ancestor[ancestor[u]!] !== 0) {
      compressionStack[++top] = u;
      u = ancestor[u]!;
    }
    while (top > 0) {
      const w = compressionStack[top--]!;
      const a = ancestor[w]!;
      if (semi[label[a]!]! < semi[label[w]!]!) label[w] = label[a]!;
      ancestor[w] = ancestor[a]!;
    }
    return label[v]!;
  };

  const hasOnlyNonEssentialRetainers = (ordinal: number): boolean => firstRetainer[ordinal] === firstRetainer[ordinal + 1];

  const r = kinds.root + 1;
  dfs(r);
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0 && hasOnlyNonEssentialRetainers(v - 1)) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0) {
        parent[v] = r;
        semi[v] = ++n;
        vertex[n] = v;
      }
    }
  }

  // The searches are done: the essential edges (a byte per edge) are not needed any more, and giving them
  // back here, before the retainers and the five arrays of the algorithm are all in use, lowers the peak.
  releaseMemory(essential);
  essential = EMPTY;
  const afterSearch = lent?.afterSearch;
  const inEdgeTargets = afterSearch !== undefined && afterSearch.byteOffset === 0 && afterSearch.buffer.byteLength >= size * 8;
  if (inEdgeTargets) {
    ancestor = new Uint32Array(afterSearch.buffer, 0, size).fill(0);
    label = new Uint32Array(afterSearch.buffer, size * 4, size);
  } else {
    ancestor = scratch.take(size);
    label = scratch.take(size);
  }
  for (let v = 0; v < size; v++) label[v] = v;

  // Semidominators, in decreasing search order.
  for (let i = n; i >= 2; i--) {
    const w = vertex[i]!;
    const wOrdinal = w - 1;
    let orphan = true;
    for (let k = firstRetainer[wOrdinal]!, end = firstRetainer[wOrdinal + 1]!; k < end; k++) {
      orphan = false;
      const u = evaluate(retainerNode[k]! + 1);
      if (semi[u]! < semi[w]!) semi[w] = semi[u]!;
    }
    // A node no essential edge reaches hangs on the root, whose number is the smallest.
    if (orphan) semi[w] = semi[r]!;
    ancestor[w] = parent[w]!;
  }
  // The retainer lists are done with.
  finished(retainerNode);
  // Immediate dominators, in increasing search order: from the parent, up the dominators already found
  // until one numbered no later than the semidominator. label now holds each vertex's number.
  for (let i = 1; i <= n; i++) label[vertex[i]!] = i;
  const dom = ancestor;
  dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i]!;
    let d = parent[w]!;
    while (label[d]! > semi[w]!) d = dom[d]!;
    dom[w] = d;
  }

  finished(parent);

  // The answer in place, shifted to ordinals: no second array of the graph's size.
  for (let v = 1; v <= nodeCount; v++) dom[v] = dom[v]! - 1;
  const dominator = dom.subarray(1);
  const retained = nodeSelfSize instanceof Uint32Array ? label.subarray(0, nodeCount) : new Float64Array(nodeCount);
  if (lent === undefined) retained.set(nodeSelfSize);
  else lent.selfSizesInto(retained);
  // Children come after their dominator in DFS order: adding in reverse order sums whole subtrees.
  for (let i = n; i > 1; i--) {
    const ordinal = vertex[i]! - 1;
    const holder = dominator[ordinal]!;
    retained[holder] = retained[holder]! + retained[ordinal]!;
  }
  // The children lists go where the retainer offsets and the semidominators were: no more arrays of the
  // graph's size.
  const dominated = dominatedNodes(dominator, kinds.root, firstRetainer.fill(0), semi);
  finished(vertex);
  if (retained instanceof Float64Array && !inEdgeTargets) scratch.give(label);
  return { dominator, retained, dominated };
}

/**
 * Who retains each node, over essential edges only (the others never take part): the retainers of node n
 * are `retainerNode[firstRetainer[n]..firstRetainer[n+1]]`.
 */
function essentialRetainers(graph: HeapGraph, essential: Uint8Array, scratch: ScratchArrays, into?: Uint32Array): { firstRetainer: Uint32Array; retainerNode: Uint32Array } {
  const { nodeCount, edgeCount, firstEdge, edgeTarget } = graph;
  const firstRetainer = scratch.take(nodeCount + 1);
  let total = 0;
  for (let e = 0; e < edgeCount; e++) {
    if (essential[e] === 0) continue;
    firstRetainer[edgeTarget[e]! + 1]!++;
    total++;
  }
  // Counts summed into where each node's retainers end, then filled backwards: each end moves back to
  // its start, with no second array of positions.
  for (let n = 0; n < nodeCount; n++) firstRetainer[n + 1] = firstRetainer[n + 1]! + firstRetainer[n]!;
  for (let n = 0; n < nodeCount; n++) firstRetainer[n] = firstRetainer[n + 1]!;
  // Every entry is written below: a lent array needs no clearing.
  const retainerNode = into === undefined ? scratch.take(total) : into.subarray(0, total);
  for (let n = nodeCount - 1; n >= 0; n--) {
    for (let e = firstEdge[n + 1]! - 1, start = firstEdge[n]!; e >= start; e--) {
      if (essential[e] === 1) retainerNode[--firstRetainer[edgeTarget[e]!]!] = n;
    }
  }
  return { firstRetainer, retainerNode };
}
