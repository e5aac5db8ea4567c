import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { bytesArray, float64Array, releaseMemory } from '../heapsnapshot/array-memory.js';
import { weakMapTableOf } from '../heapsnapshot/weakmap-edge-name.js';
import type { GraphKinds } from './graph-kinds.js';
import { ScratchArrays } from './scratch-arrays.js';

/**
 * Which edges retain, by DevTools' rules for dominators (one byte per edge, 1 = essential):
 * - a weak edge never retains;
 * - a self edge does not count;
 * - a shortcut edge counts only from the root (it marks the user roots: the global object);
 * - of the two edges that hold a WeakMap value (from its key and from its table), the table's is left
 *   out, since removing either frees the value and the key's path is the one a reader can act on;
 * - below the root, an edge from an object outside the page (not reachable from a user root) to one
 *   inside it is left out, so what the debugger or the engine also holds does not change the app's
 *   dominators.
 * `into` (edgeCount bytes) may be the graph's own edge types: each is read before its byte is written.
 */
export function essentialEdges(graph: HeapGraph, kinds: GraphKinds, scratch = new ScratchArrays(), into?: Uint8Array): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeTarget, edgeNameOrIndex, nodeId, strings } = graph;
  const pageOwned = pageOwnedNodes(graph, kinds, scratch);
  const essential = into === undefined ? bytesArray(graph.edgeCount) : into.subarray(0, graph.edgeCount);
  // Whether a string index names a WeakMap value edge, and of which table, decided once per string; a
  // typed array, since hash tables' slots give many distinct numeric names. Left as allocated (zeros:
  // undecided) rather than filled, so only the entries of such names are ever written and made resident;
  // a decided entry holds the table's id + 2, or 1 for a name that is not one.
  const ephemeronTable = float64Array(strings.count);
  for (let n = 0; n < nodeCount; n++) {
    const isRoot = n === kinds.root;
    const ownerOnPage = pageOwned[n] === 1;
    for (let e = firstEdge[n]!, end = firstEdge[n + 1]!; e < end; e++) {
      const type = edgeType[e];
      essential[e] = 0;
      if (type === kinds.weak) continue;
      const target = edgeTarget[e]!;
      if (target === n) continue;
      // Such names start with a digit: any other is not decoded at all.
      if (type === kinds.internal && isDigit(strings.firstByte(edgeNameOrIndex[e]!))) {
        const name = edgeNameOrIndex[e]!;
        let decided = ephemeronTable[name]!;
        if (decided === 0) decided = ephemeronTable[name] = weakMapTableOf(strings.get(name)) + 2;
        if (decided === nodeId[n]! + 2) continue;
      }
      if (!isRoot) {
        if (type === kinds.shortcut) continue;
        if (pageOwned[target] === 1 && !ownerOnPage) continue;
      }
      essential[e] = 1;
    }
  }
  // Given back now, not when V8 next collects: the dominators come next, the analysis' peak.
  releaseMemory(pageOwned);
  releaseMemory(ephemeronTable);
  return essential;
}

const isDigit = (byte: number): boolean => byte >= 48 && byte <= 57;

/** Nodes reachable from the root's shortcut targets (the user roots) over non-weak edges. */
function pageOwnedNodes(graph: HeapGraph, kinds: GraphKinds, scratch: ScratchArrays): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeTarget, nodeType, nodeName, strings } = graph;
  const owned = bytesArray(nodeCount);
  const stack = scratch.take(nodeCount + 1);
  let length = 0;
  for (let e = firstEdge[kinds.root]!, end = firstEdge[kinds.root + 1]!; e < end; e++) {
    const target = edgeTarget[e]!;
    const type = edgeType[e];
    const domTrees = type === kinds.element && nodeType[target] === kinds.synthetic && strings.get(nodeName[target]!) === '(Document DOM trees)';
    if (type !== kinds.shortcut && !domTrees) continue;
    if (owned[target] === 1) continue;
    owned[target] = 1;
    stack[length++] = target;
  }
  while (length > 0) {
    const n = stack[--length]!;
    for (let e = firstEdge[n]!, end = firstEdge[n + 1]!; e < end; e++) {
      const target = edgeTarget[e]!;
      if (owned[target] === 1 || edgeType[e] === kinds.weak) continue;
      owned[target] = 1;
      stack[length++] = target;
    }
  }
  scratch.give(stack);
  return owned;
}
