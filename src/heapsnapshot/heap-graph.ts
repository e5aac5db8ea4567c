import type { SnapshotLayout } from './snapshot-meta.js';
import type { StringTable } from './string-table.js';

/**
 * A heap snapshot's graph, packed into typed arrays: what analysis needs and no more. Nodes and edges
 * are addressed by ordinal (0..nodeCount, 0..edgeCount); a node's edges are `firstEdge[n]..firstEdge[n+1]`,
 * in the file's order. Type numbers index `layout.nodeTypes` / `layout.edgeTypes`.
 */
export interface HeapGraph {
  layout: SnapshotLayout;
  nodeCount: number;
  edgeCount: number;
  nodeType: Uint8Array;
  /** Index into `strings`. */
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  /** 32 bits each while the heap's total size fits in them (every sum of sizes then does), else 64. */
  nodeSelfSize: Uint32Array | Float64Array;
  /** nodeCount + 1 entries: where each node's edges start. */
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  /** A string index for named edges, the element index for `element` and `hidden` edges. */
  edgeNameOrIndex: Uint32Array;
  /** The target's node ordinal. */
  edgeTarget: Uint32Array;
  strings: StringTable;
  /** Bytes of the input read. */
  bytesRead: number;
}

/** The type number of a node type name, or -1 when the snapshot has no such type. */
export const nodeTypeOf = (graph: HeapGraph, name: string): number => graph.layout.nodeTypes.indexOf(name);
export const edgeTypeOf = (graph: HeapGraph, name: string): number => graph.layout.edgeTypes.indexOf(name);

