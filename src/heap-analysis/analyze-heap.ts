import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { classNames } from './class-names.js';
import { classSummary, walkStack, type ClassSummary } from './class-summary.js';
import { biggestCollections, type Collection } from './collections.js';
import { dominatorTree, type DominatorTree } from './dominators.js';
import { duplicateStrings, type DuplicateString } from './duplicate-strings.js';
import { essentialEdges } from './essential-edges.js';
import { globalObjects, graphKinds, type GraphKinds } from './graph-kinds.js';
import { leakSuspects } from './leak-suspects.js';
import { graphColumns, lendGraphMemory, lendToSearches, type LentToSearches, type ParkedColumns } from './lent-graph-memory.js';
import { parkUint32, type EntryReader, type ParkedArray } from './parked-array.js';
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
  let lent: LentToSearches | undefined;
  let via: ParkedArray | undefined;
  try {
    const kinds = graphKinds(graph);
    // One set of work arrays passed from stage to stage, so none allocates while another's wait for the collector.
    const scratch = new ScratchArrays();
    // What reads node names, edge names or strings in bulk goes first, while the whole graph is in memory.
    // Neither reads self sizes of the kind the owners' attribution moves (a string owns no backing store).
    const duplicates = duplicateStrings(graph, kinds, options.top, scratch);
    const biggest = biggestCollections(graph, kinds, options.top);
    const globals = globalObjects(graph, kinds);
    // The searches' work arrays are the memory of the graph's columns they do not read.
    lent = lendToSearches(graph, scratch);
    attributeOwnedSizes(graph, kinds, scratch);
    // Read only along the few paths the report prints: parked out of memory until then.
    via = parkUint32(shortestRetainers(graph, kinds, scratch), (array) => scratch.release(array));
    lent?.restore();
    return report(graph, kinds, scratch, options, { duplicates, biggest, globals, via });
  } finally {
    lent?.close();
    via?.close();
    graph.strings.close();
  }
}

/** What the stages before the dominators found, while the whole graph was in memory. */
interface FoundBefore {
  duplicates: DuplicateString[];
  biggest: Collection[];
  globals: Set<number>;
  via: EntryReader;
}

/** The dominators and all that reads them: the summary, the suspects and the collections with their paths. */
function report(graph: HeapGraph, kinds: GraphKinds, scratch: ScratchArrays, options: AnalysisOptions, found: FoundBefore): HeapReport {
  const lent = lendGraphMemory(graph, true);
  try {
    const essential = essentialEdges(graph, kinds, scratch, lent?.essential);
    lent?.releaseUnread();
    const tree = dominatorTree(graph, kinds, essential, scratch, lent);
    return describe(graph, kinds, scratch, options, found, tree, lent === undefined ? graphColumns(graph) : lent.restore());
  } finally {
    lent?.close();
  }
}

/** The report, from the dominator tree and the graph as it is after (some of its columns parked). */
function describe(graph: HeapGraph, kinds: GraphKinds, scratch: ScratchArrays, options: AnalysisOptions, found: FoundBefore, tree: DominatorTree, columns: ParkedColumns): HeapReport {
  const { duplicates, biggest, globals, via } = found;
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
    return { name: own, id: columns.nodeId.at(n)!, retainedSize: tree.retained[n]!, share: total === 0 ? 0 : tree.retained[n]! / total, path: retainerPath(graph, kinds, classes, via, n, columns), holds };
  });
  const collections = biggest.map(({ node, entries }) => ({
    name: nameOf(node),
    id: columns.nodeId.at(node)!,
    entries,
    retainedSize: tree.retained[node]!,
    path: retainerPath(graph, kinds, classes, via, node, columns),
  }));
  return {
    snapshot: { bytes: graph.bytesRead, nodes: graph.nodeCount, edges: graph.edgeCount, strings: graph.strings.count, totalSize: total },
    classes: classSummary(graph, classes, tree, dominated, 0, stack),
    suspects,
    duplicateStrings: duplicates,
    collections,
  };
}
