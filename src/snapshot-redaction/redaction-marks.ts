import { malformedSnapshot } from '../heapsnapshot/snapshot-error.js';
import type { SnapshotLayout } from '../heapsnapshot/snapshot-meta.js';
import { GrowableBits } from './growable-bits.js';
import { StringNodeNames } from './string-node-names.js';
import { isAllDigits, isFixedLabel, isSymbolLabel, looksLikeToken, ephemeronValueRange } from './string-shapes.js';

/** Node types whose name is the text of a string the program holds. */
const STRING_NODE_TYPES = new Set(['string', 'concatenated string', 'sliced string']);
/** Node types whose name is data too, though the node is no string: a RegExp is named by its source. */
const DATA_NAMED_TYPES = new Set(['regexp']);
/** The node type of maps, descriptor arrays and the like: the shapes of fast objects, which hold their property names. */
const OBJECT_SHAPE = 'object shape';
/** Edge types whose name_or_index is an index, not a string. */
const INDEX_EDGE_TYPES = new Set(['element', 'hidden']);

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
  private readonly isStringType: boolean[];
  private readonly isDataNamedType: boolean[];
  private readonly isShapeType: boolean[];
  private readonly edgeKind: Array<'index' | 'property' | 'code' | 'internal'>;
  private readonly nodes: Tuples;
  private readonly edges: Tuples;
  private nodeCount = 0;
  private edgeOrdinal = 0;
  private edgesExpected = 0;
  private shapeCursor = 0;

  constructor(private readonly layout: SnapshotLayout) {
    this.nodeFieldCount = layout.nodeFields.length;
    this.nodes = new Tuples(this.nodeFieldCount, (values, at) => this.addNode(values, at));
    this.edges = new Tuples(layout.edgeFields.length, (values, at) => this.addEdge(values, at));
    this.isStringType = layout.nodeTypes.map((type) => STRING_NODE_TYPES.has(type));
    this.isDataNamedType = layout.nodeTypes.map((type) => DATA_NAMED_TYPES.has(type));
    this.isShapeType = layout.nodeTypes.map((type) => type === OBJECT_SHAPE);
    this.edgeKind = layout.edgeTypes.map((type) =>
      INDEX_EDGE_TYPES.has(type) ? 'index' : type === 'property' ? 'property' : type === 'internal' || type === 'weak' ? 'internal' : 'code',
    );
  }

  nodeNumbers(values: Float64Array, count: number): void {
    this.nodes.feed(values, count);
  }

  private addNode(values: Float64Array, at: number): void {
    const { type: typeField, name: nameField, edgeCount: edgeCountField } = this.layout.node;
    const type = values[at + typeField]!;
    const name = values[at + nameField]!;
    const edgeCount = values[at + edgeCountField]!;
    if (type >= this.isStringType.length) throw malformedSnapshot(`node ${this.nodeCount} has an unknown type ${type}`, 0);
    const isString = this.isStringType[type]!;
    if (isString || this.isDataNamedType[type]!) this.content.set(name);
    else this.codeName.set(name);
    this.stringNodes.add(isString, name);
    if (this.isShapeType[type]!) {
      if (this.shapeCount * 2 + 2 > this.shapes.length) {
        const grown = new Uint32Array(this.shapes.length * 2);
        grown.set(this.shapes);
        this.shapes = grown;
      }
      this.shapes[this.shapeCount * 2] = this.edgesExpected;
      this.shapes[this.shapeCount * 2 + 1] = edgeCount;
      this.shapeCount++;
    }
    this.edgesExpected += edgeCount;
    this.nodeCount++;
  }

  edgeNumbers(values: Float64Array, count: number): void {
    this.edges.feed(values, count);
  }

  private addEdge(values: Float64Array, at: number): void {
    const { type: typeField, nameOrIndex, toNode } = this.layout.edge;
    const type = values[at + typeField]!;
    if (type >= this.edgeKind.length) throw malformedSnapshot(`edge ${this.edgeOrdinal} has an unknown type ${type}`, 0);
    const kind = this.edgeKind[type]!;
    const name = values[at + nameOrIndex]!;
    if (kind === 'property') this.propertyName.set(name);
    else if (kind === 'internal') this.internalName.set(name);
    else if (kind === 'code') this.codeName.set(name);
    if (this.fromShape()) {
      const target = this.stringNodes.nameOf(values[at + toNode]! / this.nodeFieldCount);
      if (target !== -1) this.shapeName.set(target);
    }
    this.edgeOrdinal++;
  }

  /** Whether the current edge belongs to an object-shape node (edges are written in their nodes' order). */
  private fromShape(): boolean {
    const edge = this.edgeOrdinal;
    while (this.shapeCursor < this.shapeCount && this.shapes[this.shapeCursor * 2]! + this.shapes[this.shapeCursor * 2 + 1]! <= edge) this.shapeCursor++;
    return this.shapeCursor < this.shapeCount && this.shapes[this.shapeCursor * 2]! <= edge;
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

  /** Whether string `index` names a WeakMap table's edge to a value, naming the value too (see `ephemeronValueRange`). */
  namesWeakMapValue(index: number, bytes: Uint8Array, from: number, to: number): boolean {
    return this.internalName.has(index) && ephemeronValueRange(bytes, from, to) !== undefined;
  }

  get byteLength(): number {
    return this.content.byteLength * 5 + this.stringNodes.byteLength + this.shapes.byteLength;
  }
}

/**
 * Numbers arriving in batches, regrouped into fixed-size runs (a node's or an edge's fields): `whole` is
 * called with each run's values at `values[at..at+size)`. Runs that lie whole in a batch are read where
 * they are; only a run cut by the end of a batch is copied, to be completed by the next.
 */
class Tuples {
  private readonly carried: Float64Array;
  private filled = 0;

  constructor(
    private readonly size: number,
    private readonly whole: (values: Float64Array, at: number) => void,
  ) {
    this.carried = new Float64Array(size);
  }

  feed(batch: Float64Array, count: number): void {
    const { carried, size, whole } = this;
    let i = 0;
    if (this.filled !== 0) {
      while (this.filled < size && i < count) carried[this.filled++] = batch[i++]!;
      if (this.filled < size) return;
      this.filled = 0;
      whole(carried, 0);
    }
    for (; i + size <= count; i += size) whole(batch, i);
    while (i < count) carried[this.filled++] = batch[i++]!;
  }

  /** Whether a run was begun and not finished. */
  get partial(): boolean {
    return this.filled !== 0;
  }
}
