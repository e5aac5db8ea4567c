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
