import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import type { GraphKinds } from './graph-kinds.js';

export interface Collection {
  node: number;
  kind: 'Array' | 'Map' | 'Set';
  /** Entries that hold at least one heap object (a snapshot does not show small integers). */
  entries: number;
}

/** Slots per entry of V8's ordered hash tables: key, value, chain for a Map; key, chain for a Set. */
const ENTRY_SLOTS = { Map: 3, Set: 2 } as const;
/** V8's ordered hash tables start with three counters, then the buckets, then the entries. */
const TABLE_HEADER = 3;

/**
 * Arrays, Maps and Sets by entry count. An Array's entries are its element references (holes and undefined aside). A Map or Set
 * holds its entries in a table whose references are named by slot; the entry a slot belongs to follows
 * from the table's layout (header, a power of two of buckets, then fixed-size entries), so a Map entry
 * whose key and value are both objects counts once.
 */
export function biggestCollections(graph: HeapGraph, kinds: GraphKinds, top: number): Collection[] {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeNameOrIndex, edgeTarget, strings } = graph;
  const wanted = new Map<number, Collection['kind']>();
  for (const kind of ['Array', 'Map', 'Set'] as const) {
    for (let s = 0; s < strings.count; s++) {
      if (strings.byteLengthOf(s) === kind.length && strings.get(s) === kind) wanted.set(s, kind);
    }
  }
  let tableName = -1;
  for (let s = 0; s < strings.count && tableName === -1; s++) if (strings.byteLengthOf(s) === 5 && strings.get(s) === 'table') tableName = s;
  const found: Collection[] = [];
  for (let n = 0; n < nodeCount; n++) {
    if (nodeType[n] !== kinds.object) continue;
    const kind = wanted.get(nodeName[n]!);
    if (kind === undefined) continue;
    let entries = 0;
    if (kind === 'Array') {
      // Holes and undefined are references to engine oddballs (hidden nodes): not entries.
      for (let e = firstEdge[n]!, end = firstEdge[n + 1]!; e < end; e++) if (edgeType[e] === kinds.element && nodeType[edgeTarget[e]!] !== kinds.hidden) entries++;
    } else {
      let table = -1;
      for (let e = firstEdge[n]!, end = firstEdge[n + 1]!; e < end; e++) {
        if (edgeType[e] === kinds.internal && edgeNameOrIndex[e] === tableName) table = edgeTarget[e]!;
      }
      if (table === -1) continue; // a prototype named Map or Set, not a collection
      entries = tableEntries(graph, kinds, table, ENTRY_SLOTS[kind]);
    }
    if (entries > 0) found.push({ node: n, kind, entries });
  }
  return found.sort((a, b) => b.entries - a.entries).slice(0, top);
}

function tableEntries(graph: HeapGraph, kinds: GraphKinds, table: number, slots: number): number {
  const { firstEdge, edgeType, edgeNameOrIndex, strings } = graph;
  const indexes: number[] = [];
  for (let e = firstEdge[table]!, end = firstEdge[table + 1]!; e < end; e++) {
    const type = edgeType[e];
    if (type === kinds.element || type === kinds.hiddenEdge) indexes.push(edgeNameOrIndex[e]!);
    else if (type === kinds.internal) {
      const name = strings.get(edgeNameOrIndex[e]!);
      if (/^\d+$/.test(name)) indexes.push(Number(name));
    }
  }
  if (indexes.length === 0) return 0;
  let lowest = Infinity;
  let highest = -1;
  for (const index of indexes) {
    if (index < lowest) lowest = index;
    if (index > highest) highest = index;
  }
  // The smallest power-of-two bucket count that places every slot inside the entries.
  for (let buckets = 1; TABLE_HEADER + buckets <= lowest; buckets *= 2) {
    const base = TABLE_HEADER + buckets;
    if (highest < base + slots * 2 * buckets) return new Set(indexes.map((index) => Math.floor((index - base) / slots))).size;
  }
  // A layout this reading does not recognise: count references, one entry per non-chain slot.
  return Math.ceil(indexes.length / (slots - 1));
}
