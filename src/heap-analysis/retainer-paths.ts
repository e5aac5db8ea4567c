import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import type { ClassIndex } from './class-names.js';
import { edgeSource, type GraphKinds } from './graph-kinds.js';
import type { EntryReader } from './parked-array.js';
import { ScratchArrays } from './scratch-arrays.js';

const NONE = 0xffffffff;

/** The edges' types and names, in memory (the graph's) or read from where the analysis parked them. */
export interface EdgeColumns {
  edgeType: EntryReader;
  edgeNameOrIndex: EntryReader;
}

/**
 * The shortest retainer path to every node, found as DevTools finds distances: breadth first from the
 * user roots (the global object) first, then from the root for what they do not reach; weak edges never
 * lead anywhere. Keeps one edge per node (the one it was first reached by); a node is reached once it has
 * one (the root, which has none, from the start).
 */
export function shortestRetainers(graph: HeapGraph, kinds: GraphKinds, scratch = new ScratchArrays()): Uint32Array {
  const { nodeCount, firstEdge, edgeType, edgeTarget, nodeType } = graph;
  const root = kinds.root;
  const via = scratch.take(nodeCount).fill(NONE);
  const queue = scratch.take(nodeCount + 1);
  let tail = 0;
  for (let e = firstEdge[root]!, end = firstEdge[root + 1]!; e < end; e++) {
    const target = edgeTarget[e]!;
    if (nodeType[target] === kinds.synthetic || via[target] !== NONE || target === root) continue;
    via[target] = e;
    queue[tail++] = target;
  }
  const search = (head: number): void => {
    while (head < tail) {
      const n = queue[head++]!;
      for (let e = firstEdge[n]!, end = firstEdge[n + 1]!; e < end; e++) {
        if (edgeType[e] === kinds.weak) continue;
        const target = edgeTarget[e]!;
        if (via[target] !== NONE || target === root) continue;
        via[target] = e;
        queue[tail++] = target;
      }
    }
  };
  search(0);
  const rest = tail;
  queue[tail++] = root;
  search(rest);
  scratch.give(queue);
  return via;
}

/**
 * A node's retainer path as a person reads it: `(GC roots) > Object "sessionStore" > Map "sessions"`.
 * Each step is the holder's class and, for a named reference, the name it is held by (`[i]` for an array
 * element). Engine internals on the way (hidden nodes, backing stores, shapes, code) are left out. `via`
 * is what `shortestRetainers` found, in memory or parked; `edges` the graph's edge columns, or where they are parked.
 */
export function retainerPath(graph: HeapGraph, kinds: GraphKinds, classes: ClassIndex, via: EntryReader, node: number, edges: EdgeColumns = graph, maxSteps = 40): string {
  const steps: string[] = [];
  let n = node;
  let guard = 0;
  while (n !== kinds.root && via.at(n) !== NONE && guard++ < 10_000) {
    const e = via.at(n)!;
    const type = graph.nodeType[n];
    const internal = type === kinds.hidden || type === kinds.array || type === kinds.objectShape || type === kinds.code;
    const source = edgeSource(graph, e);
    // The root's edges are named by number: no name a reader knows.
    const label = source === kinds.root ? '' : edgeLabel(graph, kinds, edges, e);
    if (!internal || n === node) steps.push(`${classes.names[classes.classOf[n]!]}${label}`);
    n = source;
  }
  if (n !== kinds.root) steps.push('(unreachable)');
  steps.reverse();
  if (steps[0] !== '(GC roots)') steps.unshift('(GC roots)');
  if (steps.length > maxSteps) steps.splice(1, steps.length - maxSteps, '...');
  return steps.join(' > ');
}

function edgeLabel(graph: HeapGraph, kinds: GraphKinds, edges: EdgeColumns, e: number): string {
  const type = edges.edgeType.at(e);
  const nameOrIndex = edges.edgeNameOrIndex.at(e)!;
  if (type === kinds.element) return `[${nameOrIndex}]`;
  if (type === kinds.property || type === kinds.context || type === kinds.shortcut) return ` ${JSON.stringify(graph.strings.get(nameOrIndex))}`;
  return '';
}
