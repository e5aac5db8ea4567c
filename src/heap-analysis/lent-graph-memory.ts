import { releaseMemory } from '../heapsnapshot/array-memory.js';
import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { fileEntries, parkArrays, readBack, type EntryReader } from './parked-array.js';
import type { ScratchArrays } from './scratch-arrays.js';

/**
 * The graph's arrays the dominator computation never reads, out of memory while it runs. Their contents
 * wait in a private temporary file (`WorkFile`, unlinked as soon as it is open); node names and ids, edge
 * names and types lend their memory to the computation as its own work arrays (the search's parent and
 * order arrays, the retainer lists, which edges retain); self sizes give theirs back at once, node types
 * once which edges retain is known (`releaseUnread`). The
 * computation was the analysis' peak, on top of the whole graph; this way it adds to the edges' targets
 * and offsets little more than its two other arrays.
 *
 * After it, `restore` puts back what the rest of the analysis reads whole (node names, types, self sizes)
 * in new memory, and leaves the rest in the file: node ids, edge types and names are read there one entry
 * at a time, only along the paths and for the objects the report names.
 */
export interface LentGraphMemory {
  /** nodeCount + 1 entries each. */
  parent: Uint32Array;
  vertex: Uint32Array;
  /** edgeCount entries. */
  retainers: Uint32Array;
  essential: Uint8Array;
  /**
   * With `spendEdgeTargets`, the graph's edge targets, which the computation may overwrite once its search
   * is over (not restored: the caller reads no edge target after).
   */
  afterSearch: Uint32Array | undefined;
  /**
   * Gives back the memory of node types, which the dominators do not read (which edges retain does: it
   * must be known first). Self sizes are given back as soon as the arrays are lent.
   */
  releaseUnread(): void;
  /** Reads the graph's self sizes into `into` (of the same type and length). */
  selfSizesInto(into: Uint32Array | Float64Array): void;
  /**
   * Puts node names, types and self sizes back into the graph and returns readers for the rest; the lent
   * arrays' memory is given back, and they must not be used after.
   */
  restore(): ParkedColumns;
  /** Closes the file: the readers `restore` returned must not be used after. */
  close(): void;
}

/** The graph's columns left in the file after the dominators, read an entry at a time. */
export interface ParkedColumns {
  nodeId: EntryReader;
  edgeType: EntryReader;
  edgeNameOrIndex: EntryReader;
}

/** Memory lent to the searches before the dominators, and how to get the graph's contents back. */
export interface LentToSearches {
  /** Reads the lent columns back in place; the pool must hold every lent array again. */
  restore(): void;
  close(): void;
}

/**
 * The owners' and the shortest retainers' searches, before the dominators, read neither node names and ids
 * nor edge names: those wait in a private temporary file while their memory is lent to the searches' work
 * arrays through the pool (`ScratchArrays#lend`). So the searches add little to the whole graph, which is
 * in memory then, rather than four arrays of its size. `undefined` when the file cannot be written.
 */
export function lendToSearches(graph: HeapGraph, scratch: ScratchArrays): LentToSearches | undefined {
  const arrays = [wholeArray(graph.nodeName, graph.nodeCount + 1), wholeArray(graph.nodeId, graph.nodeCount + 1), wholeArray(graph.edgeNameOrIndex, graph.edgeCount)];
  if (!arrays.every((array) => array !== undefined)) return undefined;
  const parked = parkArrays(arrays);
  if (parked === undefined) return undefined;
  const { file, at } = parked;
  scratch.lend(...arrays);
  return {
    restore(): void {
      scratch.reclaim();
      try {
        arrays.forEach((array, i) => readBack(file, array, at[i]!));
      } finally {
        file.close();
      }
    },
    close: () => file.close(),
  };
}

/** The columns as they are in memory, for an analysis that could not lend them. */
export function graphColumns(graph: HeapGraph): ParkedColumns {
  return { nodeId: graph.nodeId, edgeType: graph.edgeType, edgeNameOrIndex: graph.edgeNameOrIndex };
}

/**
 * Lends the arrays when the graph has room for the extra node entry (the reader allocates it) and the
 * file can be written; otherwise `undefined`, and nothing was changed.
 */
export function lendGraphMemory(graph: HeapGraph, spendEdgeTargets: boolean): LentGraphMemory | undefined {
  const size = graph.nodeCount + 1;
  const parent = wholeArray(graph.nodeName, size);
  const vertex = wholeArray(graph.nodeId, size);
  if (parent === undefined || vertex === undefined) return undefined;
  const columns = { nodeName: graph.nodeName, nodeId: graph.nodeId, edgeNameOrIndex: graph.edgeNameOrIndex, edgeType: graph.edgeType, nodeType: graph.nodeType, nodeSelfSize: graph.nodeSelfSize };
  const parked = parkArrays(Object.values(columns));
  if (parked === undefined) return undefined;
  const { file } = parked;
  const at = Object.fromEntries(Object.keys(columns).map((name, i) => [name, parked.at[i]!])) as Record<keyof typeof columns, number>;
  const selfSizeType = graph.nodeSelfSize instanceof Uint32Array ? Uint32Array : Float64Array;
  // Nothing reads self sizes until the dominators sum them up.
  releaseMemory(graph.nodeSelfSize);
  let restored = false;
  return {
    parent,
    vertex,
    retainers: graph.edgeNameOrIndex,
    essential: graph.edgeType,
    afterSearch: spendEdgeTargets ? graph.edgeTarget : undefined,
    releaseUnread(): void {
      releaseMemory(graph.nodeType);
    },
    selfSizesInto(into: Uint32Array | Float64Array): void {
      readBack(file, into, at.nodeSelfSize);
    },
    restore(): ParkedColumns {
      if (restored) throw new Error('the graph was restored already');
      restored = true;
      for (const lentArray of [parent, vertex, graph.edgeNameOrIndex, graph.edgeType]) releaseMemory(lentArray);
      graph.nodeName = readBack(file, new Uint32Array(graph.nodeCount), at.nodeName);
      graph.nodeType = readBack(file, new Uint8Array(graph.nodeCount), at.nodeType);
      graph.nodeSelfSize = readBack(file, new selfSizeType(graph.nodeCount), at.nodeSelfSize);
      return {
        nodeId: fileEntries(file, at.nodeId, Uint32Array, graph.nodeCount),
        edgeType: fileEntries(file, at.edgeType, Uint8Array, graph.edgeCount),
        edgeNameOrIndex: fileEntries(file, at.edgeNameOrIndex, Uint32Array, graph.edgeCount),
      };
    },
    close: () => file.close(),
  };
}

/** The array's whole buffer as `length` entries, when it is its own buffer and that long. */
function wholeArray(array: Uint32Array, length: number): Uint32Array | undefined {
  if (array.byteOffset !== 0 || array.buffer.byteLength < length * 4) return undefined;
  return new Uint32Array(array.buffer, 0, length);
}
