import { bytesArray, uint32Array } from './array-memory.js';
import type { HeapGraph } from './heap-graph.js';
import { malformedSnapshot } from './snapshot-error.js';
import { readLayout, type SnapshotLayout } from './snapshot-meta.js';
import { SnapshotTokenizer, type SnapshotEvents } from './snapshot-tokenizer.js';
import { StringTable } from './string-table.js';

/**
 * Reads a `.heapsnapshot` from any byte stream (a file, stdin, a download as it arrives) into a packed
 * `HeapGraph`: the integers go straight into typed arrays as the bytes pass, the strings into one UTF-8
 * table; the text is never held. Bad input is a SNAPSHOT_MALFORMED error naming the byte offset.
 */
export async function readHeapSnapshot(source: AsyncIterable<Uint8Array>): Promise<HeapGraph> {
  const reader = new HeapSnapshotReader();
  try {
    for await (const chunk of source) reader.write(chunk);
  } catch (error) {
    reader.abort();
    throw error;
  }
  return reader.end();
}

/**
 * The same reader fed by pushes, for bytes that also go somewhere else (a download saved to a file and
 * read on the way, a snapshot streaming by to its client): `write` each chunk as it passes (it is not
 * kept: the chunk may be reused), then `end` for the graph.
 */
export class HeapSnapshotReader {
  private readonly builder = new GraphBuilder();
  private readonly tokenizer = new SnapshotTokenizer(this.builder);

  constructor() {
    this.builder.tokenizer = this.tokenizer;
  }

  get bytesRead(): number {
    return this.tokenizer.bytesRead;
  }

  /** Reads a chunk; on bad input, throws, and the reader is aborted. */
  write(chunk: Uint8Array): void {
    try {
      this.tokenizer.write(chunk);
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  end(): HeapGraph {
    try {
      this.tokenizer.end();
      return this.builder.finish(this.tokenizer.bytesRead);
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /**
   * Gives up on this snapshot (its source failed): the temporary file its strings went to is closed now,
   * not when the collector finds the reader. Bad input aborts by itself.
   */
  abort(): void {
    this.builder.abort();
  }
}

const NODE_TYPE = 0;
const NODE_NAME = 1;
const NODE_ID = 2;
const NODE_SELF_SIZE = 3;
const NODE_EDGE_COUNT = 4;
const NODE_PASSED = 5;
const EDGE_TYPE = 0;
const EDGE_NAME = 1;
const EDGE_TARGET = 2;
const MAX_UINT32 = 0xffffffff;

/** Typed arrays sized by the header's counts, or grown by doubling when a header gives none. */
function grown<T extends Uint8Array | Uint32Array | Float64Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(length, array.length * 2, 1024));
  bigger.set(array);
  return bigger;
}

class GraphBuilder implements SnapshotEvents {
  tokenizer!: SnapshotTokenizer;
  private layout: SnapshotLayout | undefined;
  private section = '';
  private readonly seen = new Set<string>();
  private nodeSlots: Int8Array = new Int8Array(0);
  private edgeSlots: Int8Array = new Int8Array(0);
  private field = 0;
  private nodes = 0;
  private edges = 0;
  private nodeType = new Uint8Array(0);
  private nodeName = new Uint32Array(0);
  private nodeId = new Uint32Array(0);
  // 32 bits a size while the heap's total fits in them (so does every sum of its sizes the analysis
  // makes), widened once to 64 bits when it does not: half the memory of the sizes in every heap under 4 GiB.
  private nodeSelfSize: Uint32Array | Float64Array = new Uint32Array(0);
  private selfSizeTotal = 0;
  private firstEdge = new Uint32Array(1);
  private edgeType = new Uint8Array(0);
  private edgeName = new Uint32Array(0);
  private edgeTarget = new Uint32Array(0);
  private readonly strings = new StringTable();

  abort(): void {
    this.strings.close();
  }

  header(value: unknown, end: number): void {
    if (this.layout !== undefined) throw malformedSnapshot('a second "snapshot" header', end);
    const layout = (this.layout = readLayout(value, end));
    this.nodeSlots = new Int8Array(layout.nodeFields.length).fill(NODE_PASSED);
    this.nodeSlots[layout.node.type] = NODE_TYPE;
    this.nodeSlots[layout.node.name] = NODE_NAME;
    this.nodeSlots[layout.node.id] = NODE_ID;
    this.nodeSlots[layout.node.selfSize] = NODE_SELF_SIZE;
    this.nodeSlots[layout.node.edgeCount] = NODE_EDGE_COUNT;
    this.edgeSlots = new Int8Array(layout.edgeFields.length);
    this.edgeSlots[layout.edge.type] = EDGE_TYPE;
    this.edgeSlots[layout.edge.nameOrIndex] = EDGE_NAME;
    this.edgeSlots[layout.edge.toNode] = EDGE_TARGET;
    const nodes = layout.nodeCount ?? 0;
    const edges = layout.edgeCount ?? 0;
    // Memory the analysis can give back when it is done with a column (array-memory.ts).
    this.nodeType = bytesArray(nodes);
    // One entry more than the nodes: the analysis lends these two as arrays of nodeCount + 1.
    this.nodeName = uint32Array(nodes + 1);
    this.nodeId = uint32Array(nodes + 1);
    this.nodeSelfSize = uint32Array(nodes);
    this.firstEdge = uint32Array(nodes + 1);
    this.edgeType = bytesArray(edges);
    this.edgeName = uint32Array(edges);
    this.edgeTarget = uint32Array(edges);
  }

  sectionStart(name: string, offset: number): void {
    if (this.seen.has(name)) throw malformedSnapshot(`"${name}" appears twice`, offset);
    this.seen.add(name);
    this.section = name;
    this.field = 0;
  }

  sectionEnd(name: string, offset: number): void {
    const layout = this.layout!;
    if (name === 'nodes') {
      if (this.field !== 0) throw malformedSnapshot(`"nodes" ends inside a node (its length is not a multiple of ${layout.nodeFields.length})`, offset);
      if (layout.nodeCount !== undefined && this.nodes !== layout.nodeCount) throw malformedSnapshot(`"nodes" holds ${this.nodes} nodes, the header says ${layout.nodeCount}`, offset);
    } else if (name === 'edges') {
      if (this.field !== 0) throw malformedSnapshot(`"edges" ends inside an edge (its length is not a multiple of ${layout.edgeFields.length})`, offset);
      if (layout.edgeCount !== undefined && this.edges !== layout.edgeCount) throw malformedSnapshot(`"edges" holds ${this.edges} edges, the header says ${layout.edgeCount}`, offset);
    }
    this.section = '';
  }

  numbers(values: Float64Array, count: number): void {
    if (this.section === 'nodes') this.nodeNumbers(values, count);
    else if (this.section === 'edges') this.edgeNumbers(values, count);
  }

  private nodeNumbers(values: Float64Array, count: number): void {
    const layout = this.layout!;
    const slots = this.nodeSlots;
    const width = slots.length;
    const typeCount = layout.nodeTypes.length;
    let field = this.field;
    let node = this.nodes;
    let k = 0;
    // Whole nodes in one step while the batch holds them (nearly always): no per-number dispatch.
    if (field === 0 && layout.nodeCount !== undefined) {
      const { type, name, id, selfSize, edgeCount } = layout.node;
      const nodeType = this.nodeType;
      const nodeName = this.nodeName;
      const nodeId = this.nodeId;
      const nodeSelfSize = this.nodeSelfSize;
      const firstEdge = this.firstEdge;
      const last = Math.min(count - width, (nodeType.length - node - 1) * width);
      const sizeLimit = nodeSelfSize instanceof Uint32Array ? MAX_UINT32 : Infinity;
      let selfSizeTotal = this.selfSizeTotal;
      let edgesSoFar = firstEdge[node]!;
      for (; k <= last; k += width) {
        const typeValue = values[k + type]!;
        const nameValue = values[k + name]!;
        const idValue = values[k + id]!;
        const edges = values[k + edgeCount]!;
        const sizeValue = values[k + selfSize]!;
        if (typeValue >= typeCount || nameValue > MAX_UINT32 || idValue > MAX_UINT32 || selfSizeTotal + sizeValue > sizeLimit) break;
        edgesSoFar += edges;
        if (edgesSoFar > MAX_UINT32) break;
        selfSizeTotal += sizeValue;
        nodeType[node] = typeValue;
        nodeName[node] = nameValue;
        nodeId[node] = idValue;
        nodeSelfSize[node] = sizeValue;
        firstEdge[++node] = edgesSoFar;
      }
      this.selfSizeTotal = selfSizeTotal;
    }
    // The rest, one number at a time, with the checks that name what is wrong.
    for (; k < count; k++) {
      const value = values[k]!;
      if (field === 0 && node >= this.nodeType.length) this.growNodes(node + 1);
      switch (slots[field]) {
        case NODE_TYPE:
          if (value >= typeCount) throw malformedSnapshot(`node ${node} has type ${value}, meta names ${typeCount} types`, this.tokenizer.bytesRead);
          this.nodeType[node] = value;
          break;
        case NODE_NAME:
          this.nodeName[node] = this.uint32(value, 'a node name');
          break;
        case NODE_ID:
          this.nodeId[node] = this.uint32(value, 'a node id');
          break;
        case NODE_SELF_SIZE:
          this.selfSizeTotal += value;
          if (this.selfSizeTotal > MAX_UINT32 && this.nodeSelfSize instanceof Uint32Array) this.nodeSelfSize = Float64Array.from(this.nodeSelfSize);
          this.nodeSelfSize[node] = value;
          break;
        case NODE_EDGE_COUNT: {
          const next = this.firstEdge[node]! + value;
          if (next > MAX_UINT32) throw malformedSnapshot('more edges than this reader can index', this.tokenizer.bytesRead);
          this.firstEdge[node + 1] = next;
          break;
        }
      }
      if (++field === width) {
        field = 0;
        node++;
      }
    }
    this.field = field;
    this.nodes = node;
  }

  private edgeNumbers(values: Float64Array, count: number): void {
    const layout = this.layout!;
    const slots = this.edgeSlots;
    const width = slots.length;
    const nodeWidth = layout.nodeFields.length;
    const typeCount = layout.edgeTypes.length;
    let field = this.field;
    let edge = this.edges;
    let k = 0;
    if (field === 0 && layout.edgeCount !== undefined) {
      const { type, nameOrIndex, toNode } = layout.edge;
      const edgeType = this.edgeType;
      const edgeName = this.edgeName;
      const edgeTarget = this.edgeTarget;
      const last = Math.min(count - width, (edgeType.length - edge - 1) * width);
      for (; k <= last; k += width) {
        const typeValue = values[k + type]!;
        const nameValue = values[k + nameOrIndex]!;
        const target = values[k + toNode]! / nodeWidth;
        if (typeValue >= typeCount || nameValue > MAX_UINT32 || !(target <= MAX_UINT32) || target !== Math.floor(target)) break;
        edgeType[edge] = typeValue;
        edgeName[edge] = nameValue;
        edgeTarget[edge] = target;
        edge++;
      }
    }
    for (; k < count; k++) {
      const value = values[k]!;
      if (field === 0 && edge >= this.edgeType.length) this.growEdges(edge + 1);
      switch (slots[field]) {
        case EDGE_TYPE:
          if (value >= typeCount) throw malformedSnapshot(`edge ${edge} has type ${value}, meta names ${typeCount} types`, this.tokenizer.bytesRead);
          this.edgeType[edge] = value;
          break;
        case EDGE_NAME:
          this.edgeName[edge] = this.uint32(value, 'an edge name or index');
          break;
        case EDGE_TARGET: {
          const target = value / nodeWidth;
          if (!Number.isInteger(target)) throw malformedSnapshot(`edge ${edge} points inside a node (to_node ${value} is not a multiple of ${nodeWidth})`, this.tokenizer.bytesRead);
          this.edgeTarget[edge] = this.uint32(target, 'an edge target');
          break;
        }
      }
      if (++field === width) {
        field = 0;
        edge++;
      }
    }
    this.field = field;
    this.edges = edge;
  }

  private uint32(value: number, what: string): number {
    if (value > MAX_UINT32) throw malformedSnapshot(`${what} (${value}) is beyond 32 bits`, this.tokenizer.bytesRead);
    return value;
  }

  private growNodes(length: number): void {
    if (this.layout!.nodeCount !== undefined) throw malformedSnapshot(`"nodes" holds more nodes than the header's ${this.layout!.nodeCount}`, this.tokenizer.bytesRead);
    this.nodeType = grown(this.nodeType, length);
    this.nodeName = grown(this.nodeName, length);
    this.nodeId = grown(this.nodeId, length);
    this.nodeSelfSize = grown(this.nodeSelfSize, length);
    this.firstEdge = grown(this.firstEdge, this.nodeType.length + 1);
  }

  private growEdges(length: number): void {
    if (this.layout!.edgeCount !== undefined) throw malformedSnapshot(`"edges" holds more edges than the header's ${this.layout!.edgeCount}`, this.tokenizer.bytesRead);
    this.edgeType = grown(this.edgeType, length);
    this.edgeName = grown(this.edgeName, length);
    this.edgeTarget = grown(this.edgeTarget, length);
  }

  string(bytes: Uint8Array, from: number, to: number, escaped: boolean, start: number): void {
    if (this.section !== 'strings') return;
    if (!escaped) {
      this.strings.addBytes(bytes, from, to);
      return;
    }
    let text: string;
    try {
      text = JSON.parse(`"${Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('utf8')}"`) as string;
    } catch {
      throw malformedSnapshot('a string with an invalid escape', start);
    }
    this.strings.addString(text);
  }

  finish(bytesRead: number): HeapGraph {
    const layout = this.layout;
    if (layout === undefined) throw malformedSnapshot('the document has no "snapshot" header', bytesRead);
    for (const section of ['nodes', 'edges', 'strings']) {
      if (!this.seen.has(section)) throw malformedSnapshot(`the document has no "${section}"`, bytesRead);
    }
    const nodeCount = this.nodes;
    const edgeCount = this.edges;
    if (this.firstEdge[nodeCount] !== edgeCount) throw malformedSnapshot(`the nodes' edge counts add up to ${this.firstEdge[nodeCount]}, "edges" holds ${edgeCount}`, bytesRead);
    this.strings.seal();
    const graph: HeapGraph = {
      layout,
      nodeCount,
      edgeCount,
      nodeType: this.nodeType.subarray(0, nodeCount),
      nodeName: this.nodeName.subarray(0, nodeCount),
      nodeId: this.nodeId.subarray(0, nodeCount),
      nodeSelfSize: this.nodeSelfSize.subarray(0, nodeCount),
      firstEdge: this.firstEdge.subarray(0, nodeCount + 1),
      edgeType: this.edgeType.subarray(0, edgeCount),
      edgeNameOrIndex: this.edgeName.subarray(0, edgeCount),
      edgeTarget: this.edgeTarget.subarray(0, edgeCount),
      strings: this.strings,
      bytesRead,
    };
    checkReferences(graph);
    return graph;
  }
}

/** Every edge points at a node and every name at a string: analysis may then index without checks. */
function checkReferences(graph: HeapGraph): void {
  const { nodeCount, edgeCount, edgeTarget, edgeType, edgeNameOrIndex, nodeName, strings } = graph;
  const stringCount = strings.count;
  const indexTypes = graph.layout.edgeTypes.map((name) => name === 'element' || name === 'hidden');
  for (let e = 0; e < edgeCount; e++) {
    if (edgeTarget[e]! >= nodeCount) throw malformedSnapshot(`edge ${e} points at node ${edgeTarget[e]}, past the ${nodeCount} nodes`, graph.bytesRead);
    if (!indexTypes[edgeType[e]!] && edgeNameOrIndex[e]! >= stringCount) throw malformedSnapshot(`edge ${e} is named by string ${edgeNameOrIndex[e]}, past the ${stringCount} strings`, graph.bytesRead);
  }
  for (let n = 0; n < nodeCount; n++) {
    if (nodeName[n]! >= stringCount) throw malformedSnapshot(`node ${n} is named by string ${nodeName[n]}, past the ${stringCount} strings`, graph.bytesRead);
  }
}
