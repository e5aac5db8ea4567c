import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { classNames } from './class-names.js';
import { classSummary, walkStack, type ClassSummary } from './class-summary.js';
import { biggestCollections } from './collections.js';
import { dominatorTree } from './dominators.js';
import { duplicateStrings, type DuplicateString } from './duplicate-strings.js';
import { essentialEdges } from './essential-edges.js';
import { globalObjects, graphKinds } from './graph-kinds.js';
import { leakSuspects } from './leak-suspects.js';
import { lendGraphMemory } from './lent-graph-memory.js';
import { retainerPath, shortestRetainers } from './retainer-paths.js';
import { ScratchArrays } from './scratch-arrays.js';
import { attributeOwnedSizes } from './shallow-sizes.js';

export interface HeldClass {
  name: string;
  count: number;
  retainedSize: number;
}

export interface LeakSuspect {
  name: string;
  /** V8's object id (`@id` in DevTools). */
  id: number;
  retainedSize: number;
  /** Its share of the heap, 0..1. */
  share: number;
  /** The shortest retainer path from the GC roots, ending at the suspect. */
  path: string;
  /** What it holds, by class (its own class aside), largest first. */
  holds: HeldClass[];
}

export interface CollectionReport {
  name: string;
  id: number;
  entries: number;
  retainedSize: number;
  path: string;
}

/** The analysis of one snapshot; docs/heap-analysis.md documents it as the CLI's JSON. */
export interface HeapReport {
  snapshot: { bytes: number; nodes: number; edges: number; strings: number; totalSize: number };
  /** Every class, by retained size. */
  classes: ClassSummary[];
  suspects: LeakSuspect[];
  duplicateStrings: DuplicateString[];
  collections: CollectionReport[];
}

export interface AnalysisOptions {
  /** How many suspects, duplicated strings and collections to list. */
  top: number;
}

const HELD_CLASSES = 3;

/**
 * Everything the report says about one snapshot, computed on its packed graph as DevTools would:
 * self sizes attributed to owners, essential edges, dominators and retained sizes, class names; then the
 * summary, the suspects with their paths, duplicated strings and the biggest collections.
 * Spends the graph, which must not be read after: it rewrites its self sizes (DevTools' attribution), and
 * its memory holds the analysis' own arrays (edge targets become the dominators and retained sizes, node
 * names the class of each node), so that the peak is the graph and little more.
 */
export function analyzeHeap(graph: HeapGraph, options: AnalysisOptions): HeapReport {
  const kinds = graphKinds(graph);
  // One set of work arrays passed from stage to stage, so none allocates while another's wait for the collector.
  const scratch = new ScratchArrays();
  attributeOwnedSizes(graph, kinds, scratch);
  // What reads edge targets or node names goes first: the dominators then borrow their memory.
  const duplicates = duplicateStrings(graph, kinds, options.top, scratch);
  const biggest = biggestCollections(graph, kinds, options.top);
  const globals = globalObjects(graph, kinds);
  const via = shortestRetainers(graph, kinds, scratch);
  const lent = lendGraphMemory(graph, true);
  let tree;
  try {
    tree = dominatorTree(graph, kinds, essentialEdges(graph, kinds, scratch, lent?.essential), scratch, lent);
  } finally {
    lent?.restore();
  }
  const dominated = tree.dominated;
  const classes = classNames(graph, kinds, scratch, graph.nodeName);
  const nameOf = (n: number): string => classes.names[classes.classOf[n]!]!;
  const total = tree.retained[kinds.root]!;
  const stack = walkStack(graph);
  const suspects = leakSuspects(graph, kinds, classes, tree, dominated, options.top, globals).map((n): LeakSuspect => {
    const own = nameOf(n);
    const holds = classSummary(graph, classes, tree, dominated, n, stack)
      .filter((held) => held.name !== own)
      .slice(0, HELD_CLASSES)
      .map(({ name, count, retainedSize }) => ({ name, count, retainedSize }));
    return { name: own, id: graph.nodeId[n]!, retainedSize: tree.retained[n]!, share: total === 0 ? 0 : tree.retained[n]! / total, path: retainerPath(graph, kinds, classes, via, n), holds };
  });
  const collections = biggest.map(({ node, entries }) => ({
    name: nameOf(node),
    id: graph.nodeId[node]!,
    entries,
    retainedSize: tree.retained[node]!,
    path: retainerPath(graph, kinds, classes, via, node),
  }));
  return {
    snapshot: { bytes: graph.bytesRead, nodes: graph.nodeCount, edges: graph.edgeCount, strings: graph.strings.count, totalSize: total },
    classes: classSummary(graph, classes, tree, dominated, 0, stack),
    suspects,
    duplicateStrings: duplicates,
    collections,
  };
}
