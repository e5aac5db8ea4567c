import { edgeTypeOf, nodeTypeOf, type HeapGraph } from '../heapsnapshot/heap-graph.js';

/**
 * The type numbers analysis asks about, looked up once by name in the snapshot's own meta (-1 when a
 * snapshot has no such type), so no rule depends on one V8 version's numbering.
 */
export interface GraphKinds {
  hidden: number;
  array: number;
  string: number;
  object: number;
  code: number;
  closure: number;
  regexp: number;
  native: number;
  synthetic: number;
  objectShape: number;
  element: number;
  property: number;
  context: number;
  internal: number;
  hiddenEdge: number;
  shortcut: number;
  weak: number;
  /** The snapshot's root: node 0, as V8 writes it. */
  root: number;
}

export function graphKinds(graph: HeapGraph): GraphKinds {
  return {
    hidden: nodeTypeOf(graph, 'hidden'),
    array: nodeTypeOf(graph, 'array'),
    string: nodeTypeOf(graph, 'string'),
    object: nodeTypeOf(graph, 'object'),
    code: nodeTypeOf(graph, 'code'),
    closure: nodeTypeOf(graph, 'closure'),
    regexp: nodeTypeOf(graph, 'regexp'),
    native: nodeTypeOf(graph, 'native'),
    synthetic: nodeTypeOf(graph, 'synthetic'),
    objectShape: nodeTypeOf(graph, 'object shape'),
    element: edgeTypeOf(graph, 'element'),
    property: edgeTypeOf(graph, 'property'),
    context: edgeTypeOf(graph, 'context'),
    internal: edgeTypeOf(graph, 'internal'),
    hiddenEdge: edgeTypeOf(graph, 'hidden'),
    shortcut: edgeTypeOf(graph, 'shortcut'),
    weak: edgeTypeOf(graph, 'weak'),
    root: 0,
  };
}

/** The node an edge leaves from (a binary search over the edge offsets: for paths, not for hot loops). */
export function edgeSource(graph: HeapGraph, edge: number): number {
  const firstEdge = graph.firstEdge;
  let low = 0;
  let high = graph.nodeCount - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (firstEdge[middle]! <= edge) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** V8's names for the references between a context, its global object and the global proxy. */
const GLOBAL_EDGES = new Set(['global_object', 'global_proxy_object', 'global_proxy']);

/**
 * The global objects: the user roots (what the root's shortcut edges point at: the global proxy in
 * older V8, the native context in newer) and the global object and proxy they name. Whatever a program
 * keeps goes through them, so they are never a leak suspect themselves.
 */
export function globalObjects(graph: HeapGraph, kinds: GraphKinds): Set<number> {
  const { firstEdge, edgeTarget, edgeType, edgeNameOrIndex, nodeType, strings } = graph;
  const found = new Set<number>();
  for (let e = firstEdge[kinds.root]!, end = firstEdge[kinds.root + 1]!; e < end; e++) {
    if (edgeType[e] === kinds.shortcut || nodeType[edgeTarget[e]!] !== kinds.synthetic) found.add(edgeTarget[e]!);
  }
  for (const n of [...found]) {
    for (let e = firstEdge[n]!, end = firstEdge[n + 1]!; e < end; e++) {
      const type = edgeType[e];
      if (type === kinds.element || type === kinds.hiddenEdge) continue;
      if (GLOBAL_EDGES.has(strings.get(edgeNameOrIndex[e]!))) found.add(edgeTarget[e]!);
    }
  }
  return found;
}
