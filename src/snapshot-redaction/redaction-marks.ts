import { malformedSnapshot } from '../heapsnapshot/snapshot-error.js';
import type { SnapshotLayout } from '../heapsnapshot/snapshot-meta.js';
import { GrowableBits } from './growable-bits.js';
import { StringNodeNames } from './string-node-names.js';
import { readWeakMapEdgeName } from '../heapsnapshot/weakmap-edge-name.js';
import { isAllDigits, isFixedLabel, isSymbolLabel, looksLikeToken } from './string-shapes.js';

/** Node types whose name is the text of a string the program holds. */
const STRING_NODE_TYPES = new Set(['string', 'concatenated string', 'sliced string']);
/** Node types whose name is data too, though the node is no string: a RegExp is named by its source. */
const DATA_NAMED_TYPES = new Set(['regexp']);
/** The node type of maps, descriptor arrays and the like: the shapes of fast objects, which hold their property names. */
const OBJECT_SHAPE = 'object shape';
/** Edge types whose name_or_index is an index, not a string. */
const INDEX_EDGE_TYPES = new Set(['element', 'hidden']);
/** Bits of a node type's kind. */
const STRING_NODE = 1;
const DATA_NAMED = 2;
const SHAPE_NODE = 4;
const enum EdgeKind {
  Index,
  Property,
  Code,
  Internal,
}

/**
 * What the `nodes` and `edges` sections say about each entry of `strings`, read as they stream by and
 * before `strings` arrives (V8 writes them first). Five bits per string, never the text:
 * - `content`: the text of a string node (plain, concatenated, sliced), a value the program holds, and a
 *   RegExp's source (its node's name);
 * - `propertyName`: the name of a `property` edge, which is also how a dictionary-mode object's keys appear;
 * - `codeName`: the name of a node that is not a string or a RegExp (constructor, function, script, symbol,
 *   V8's internal labels), of a closure's variable (`context` edge) or a `shortcut` edge;
 * - `shapeName`: the text of a string node that a fast object's shape holds (its descriptor array: the
 *   object's property names);
 * - `internalName`: the name of an `internal` or `weak` edge (V8's own field labels, or element numbers;
 *   a WeakMap table's edge is named after the value it holds: that part is redacted, the rest kept, since
 *   the analysis finds the table by it).
 * The rule that uses them is `mustRedact` below; it reads a string as `bytes[from..to)`, its JSON bytes.
 */
export class RedactionMarks {
  readonly content = new GrowableBits();
  readonly propertyName = new GrowableBits();
  readonly codeName = new GrowableBits();
  readonly internalName = new GrowableBits();
  readonly shapeName = new GrowableBits();
  private readonly stringNodes = new StringNodeNames();
  /** For each object-shape node: its first edge's ordinal and its edge count, in node order. */
  private shapes = new Uint32Array(1024);
  private shapeCount = 0;

  private readonly nodeFieldCount: number;
  /** Per node type: STRING_NODE, DATA_NAMED or neither, plus SHAPE_NODE (numbers, so the per-node test is a load). */
  private readonly nodeKind: Uint8Array;
  /** Per edge type: which mark its name gets (an EdgeKind). */
  private readonly edgeKind: Uint8Array;
  private readonly nodes: Tuples;
  private readonly edges: Tuples;
  private nodeCount = 0;
  private edgeOrdinal = 0;
  private edgesExpected = 0;
  private shapeCursor = 0;
  /** The edges of shape `shapeCursor`: [shapeStart, shapeEnd), or empty past the last shape. */
  private shapeStart = 0;
  private shapeEnd = 0;

  constructor(private readonly layout: SnapshotLayout) {
    this.nodeFieldCount = layout.nodeFields.length;
    this.nodes = new Tuples(this.nodeFieldCount);
    this.edges = new Tuples(layout.edgeFields.length);
    this.nodeKind = Uint8Array.from(layout.nodeTypes, (type) =>
      (STRING_NODE_TYPES.has(type) ? STRING_NODE : DATA_NAMED_TYPES.has(type) ? DATA_NAMED : 0) | (type === OBJECT_SHAPE ? SHAPE_NODE : 0),
    );
    this.edgeKind = Uint8Array.from(layout.edgeTypes, (type) =>
      INDEX_EDGE_TYPES.has(type) ? EdgeKind.Index : type === 'property' ? EdgeKind.Property : type === 'internal' || type === 'weak' ? EdgeKind.Internal : EdgeKind.Code,
    );
  }

  /**
   * Nodes' numbers, in order: each node's name marked by its type. The hottest loop of the redaction
   * after the tokenizer's (millions of nodes), so the whole runs of a batch are read in place here.
   */
  nodeNumbers(values: Float64Array, count: number): void {
    let i = this.nodes.completeCarried(values, count);
    if (i < 0) return;
    if (this.nodes.carriedWhole) this.addNodes(this.nodes.carried, 0, this.nodeFieldCount);
    i = this.addNodes(values, i, count);
    this.nodes.carry(values, i, count);
  }

  /** Adds the whole nodes of `values[from..to)`; returns where the first incomplete one starts. */
  private addNodes(values: Float64Array, from: number, to: number): number {
    const size = this.nodeFieldCount;
    const { type: typeField, name: nameField, edgeCount: edgeCountField } = this.layout.node;
    const nodeKind = this.nodeKind;
    const { content, codeName, stringNodes } = this;
    let node = this.nodeCount;
    let edgesExpected = this.edgesExpected;
    let i = from;
    for (; i + size <= to; i += size, node++) {
      const type = values[i + typeField]!;
      const name = values[i + nameField]!;
      const edgeCount = values[i + edgeCountField]!;
      if (type >= nodeKind.length) throw malformedSnapshot(`node ${node} has an unknown type ${type}`, 0);
      const kind = nodeKind[type]!;
      if (kind === 0) codeName.set(name);
      else {
        if ((kind & (STRING_NODE | DATA_NAMED)) !== 0) content.set(name);
        else codeName.set(name);
        if ((kind & STRING_NODE) !== 0) stringNodes.add(node, name);
        if ((kind & SHAPE_NODE) !== 0) this.addShape(edgesExpected, edgeCount);
      }
      edgesExpected += edgeCount;
    }
    this.nodeCount = node;
    this.edgesExpected = edgesExpected;
    return i;
  }

  /** A shape node whose edges are the `edgeCount` from ordinal `firstEdge` on. */
  private addShape(firstEdge: number, edgeCount: number): void {
    if (this.shapeCount * 2 + 2 > this.shapes.length) {
      const grown = new Uint32Array(this.shapes.length * 2);
      grown.set(this.shapes);
      this.shapes = grown;
    }
    this.shapes[this.shapeCount * 2] = firstEdge;
    this.shapes[this.shapeCount * 2 + 1] = edgeCount;
    this.shapeCount++;
    if (this.shapeCount === 1) this.enterShape(0);
  }

  /** Edges' numbers, in order (after all nodes): each edge's name marked by its type and by what it leaves. */
  edgeNumbers(values: Float64Array, count: number): void {
    this.stringNodes.seal(this.nodeCount);
    let i = this.edges.completeCarried(values, count);
    if (i < 0) return;
    if (this.edges.carriedWhole) this.addEdges(this.edges.carried, 0, this.edges.size);
    i = this.addEdges(values, i, count);
    this.edges.carry(values, i, count);
  }

  private addEdges(values: Float64Array, from: number, to: number): number {
    const size = this.edges.size;
    const { type: typeField, nameOrIndex, toNode } = this.layout.edge;
    const { edgeKind, propertyName, internalName, codeName, shapeName, stringNodes, nodeFieldCount, shapeCount } = this;
    // The current shape's range in locals: read for every edge (tens of millions), changed once per shape.
    let { shapeStart, shapeEnd } = this;
    let edge = this.edgeOrdinal;
    let i = from;
    for (; i + size <= to; i += size, edge++) {
      const type = values[i + typeField]!;
      if (type >= edgeKind.length) throw malformedSnapshot(`edge ${edge} has an unknown type ${type}`, 0);
      const kind = edgeKind[type]!;
      const name = values[i + nameOrIndex]!;
      if (kind === EdgeKind.Property) propertyName.set(name);
      else if (kind === EdgeKind.Internal) internalName.set(name);
      else if (kind === EdgeKind.Code) codeName.set(name);
      // Edges are written in their nodes' order: the current shape's edges are a range of ordinals.
      if (edge >= shapeEnd && this.shapeCursor < shapeCount) {
        this.nextShapeFor(edge);
        ({ shapeStart, shapeEnd } = this);
      }
      if (edge >= shapeStart && edge < shapeEnd) {
        const target = stringNodes.nameOf(values[i + toNode]! / nodeFieldCount);
        if (target !== -1) shapeName.set(target);
      }
    }
    this.edgeOrdinal = edge;
    return i;
  }

  /** Moves past the shapes whose edges all come before `edge`. */
  private nextShapeFor(edge: number): void {
    let cursor = this.shapeCursor;
    while (cursor < this.shapeCount && this.shapes[cursor * 2]! + this.shapes[cursor * 2 + 1]! <= edge) cursor++;
    this.enterShape(cursor);
  }

  private enterShape(cursor: number): void {
    this.shapeCursor = cursor;
    if (cursor < this.shapeCount) {
      this.shapeStart = this.shapes[cursor * 2]!;
      this.shapeEnd = this.shapeStart + this.shapes[cursor * 2 + 1]!;
    } else {
      this.shapeStart = 0;
      this.shapeEnd = 0;
    }
  }

  /** The node and edge sections ended: they must be whole, or the marks are not. */
  checkComplete(offset: number): void {
    if (this.nodes.partial) throw malformedSnapshot('"nodes" does not hold whole nodes', offset);
    if (this.edges.partial) throw malformedSnapshot('"edges" does not hold whole edges', offset);
    if (this.layout.nodeCount !== undefined && this.nodeCount !== this.layout.nodeCount) throw malformedSnapshot(`"nodes" holds ${this.nodeCount} nodes, the header says ${this.layout.nodeCount}`, offset);
    if (this.edgeOrdinal !== this.edgesExpected) throw malformedSnapshot(`"edges" holds ${this.edgeOrdinal} edges, the nodes' edge counts say ${this.edgesExpected}`, offset);
  }

  /**
   * The rule: a string is redacted when the program could hold it as data (a string node's text or a
   * property name) and nothing marks it as a name from code: a constructor, function, script or variable
   * name, a property name of a fast object (its shape holds it), or one of V8's internal labels. Element
   * numbers written as internal edge names do not save a string that is all digits: a PIN can look like one.
   * The limit: a property name of an object in dictionary mode (the global object, `process`, an object
   * given many properties by key or one that lost a property to `delete`) is redacted like a key unless the
   * same name is also a fast object's property, a variable, a function or class name; and a plain `{}`
   * used as a dictionary stays in fast mode while it has a dozen keys or so, when only the shape of its
   * text tells a key from a name: a name only a shape holds is redacted when it looks generated
   * (`looksLikeToken`), so a short or digit-free key of such an object is kept.
   */
  mustRedact(index: number, bytes: Uint8Array, from: number, to: number): boolean {
    const content = this.content.has(index);
    if (!content && !this.propertyName.has(index)) return false;
    if (isFixedLabel(bytes, from, to)) return false;
    if (this.codeName.has(index)) return false;
    if (this.shapeName.has(index)) return looksLikeToken(bytes, from, to);
    if (this.internalName.has(index)) return isAllDigits(bytes, from, to);
    // A property name no string node holds is one V8 made: a symbol key's label is kept (its description
    // is a symbol's name), an accessor's `get KEY` is not (KEY may be a redacted key).
    return content || !isSymbolLabel(bytes, from, to);
  }

  /** Whether string `index` names a WeakMap table's edge to a value, naming the value too (see `readWeakMapEdgeName`). */
  namesWeakMapValue(index: number, bytes: Uint8Array, from: number, to: number): boolean {
    return this.internalName.has(index) && readWeakMapEdgeName(bytes, from, to) !== undefined;
  }

  get byteLength(): number {
    return this.content.byteLength * 5 + this.stringNodes.byteLength + this.shapes.byteLength;
  }
}

/**
 * Numbers arriving in batches, regrouped into fixed-size runs (a node's or an edge's fields). Runs that lie
 * whole in a batch are read where they are, by the caller; only a run cut by the end of a batch is copied
 * (`carry`), to be completed by the next (`completeCarried`).
 */
class Tuples {
  readonly carried: Float64Array;
  private filled = 0;
  /** Set by `completeCarried`: the carried run is whole and is to be read before the batch's own. */
  carriedWhole = false;

  constructor(readonly size: number) {
    this.carried = new Float64Array(size);
  }

  /** Completes a carried run from the batch: returns where the batch's own runs start, or -1 when the batch is used up. */
  completeCarried(batch: Float64Array, count: number): number {
    this.carriedWhole = false;
    if (this.filled === 0) return 0;
    let i = 0;
    while (this.filled < this.size && i < count) this.carried[this.filled++] = batch[i++]!;
    if (this.filled < this.size) return -1;
    this.filled = 0;
    this.carriedWhole = true;
    return i;
  }

  /** Keeps `batch[from..count)`, the start of a run the next batch completes. */
  carry(batch: Float64Array, from: number, count: number): void {
    for (let i = from; i < count; i++) this.carried[this.filled++] = batch[i]!;
  }

  /** Whether a run was begun and not finished. */
  get partial(): boolean {
    return this.filled !== 0;
  }
}
