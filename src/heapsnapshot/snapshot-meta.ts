import { malformedSnapshot } from './snapshot-error.js';

/**
 * What a snapshot says about itself in `snapshot.meta`: the fields of a node and of an edge, in the order
 * the file writes them, and the names of node and edge types. Everything downstream reads positions from
 * here, never from one V8 version's layout.
 */
export interface SnapshotLayout {
  nodeFields: readonly string[];
  edgeFields: readonly string[];
  /** Node type names by the index the `type` field holds. */
  nodeTypes: readonly string[];
  /** Edge type names by the index the `type` field holds. */
  edgeTypes: readonly string[];
  /** The field's position in a node's run of numbers. */
  node: { type: number; name: number; id: number; selfSize: number; edgeCount: number };
  edge: { type: number; nameOrIndex: number; toNode: number };
  /** From the header when V8 wrote them (it always does today); the arrays are sized by them. */
  nodeCount: number | undefined;
  edgeCount: number | undefined;
}

/** Node fields this reader knows: the five it keeps, and those it reads past knowing what they are. */
const NODE_FIELDS_KEPT = ['type', 'name', 'id', 'self_size', 'edge_count'] as const;
const NODE_FIELDS_PASSED = new Set(['trace_node_id', 'detachedness']);
const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'] as const;

function stringList(value: unknown, what: string, offset: number): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw malformedSnapshot(`${what} is not a list of names`, offset);
  return value as string[];
}

function count(value: unknown, what: string, offset: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformedSnapshot(`${what} is not a count`, offset);
  return value;
}

/**
 * Reads the header's meta. A field this version does not know is refused, not guessed at: its meaning
 * (and whether it changes the meaning of the others) cannot be known. `offset` is where the header ended.
 */
export function readLayout(header: unknown, offset: number): SnapshotLayout {
  const meta = (header as { meta?: unknown } | null)?.meta as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null) throw malformedSnapshot('the "snapshot" header has no "meta"', offset);
  const nodeFields = stringList(meta.node_fields, 'meta.node_fields', offset);
  const edgeFields = stringList(meta.edge_fields, 'meta.edge_fields', offset);
  const unknownNodeFields = nodeFields.filter((field) => !(NODE_FIELDS_KEPT as readonly string[]).includes(field) && !NODE_FIELDS_PASSED.has(field));
  if (unknownNodeFields.length > 0) throw malformedSnapshot(`meta.node_fields has fields this reader does not know: ${unknownNodeFields.join(', ')}`, offset);
  const unknownEdgeFields = edgeFields.filter((field) => !(EDGE_FIELDS as readonly string[]).includes(field));
  if (unknownEdgeFields.length > 0) throw malformedSnapshot(`meta.edge_fields has fields this reader does not know: ${unknownEdgeFields.join(', ')}`, offset);
  const position = (fields: string[], name: string, what: string): number => {
    const index = fields.indexOf(name);
    if (index === -1) throw malformedSnapshot(`${what} has no "${name}"`, offset);
    if (fields.indexOf(name, index + 1) !== -1) throw malformedSnapshot(`${what} names "${name}" twice`, offset);
    return index;
  };
  const node = {
    type: position(nodeFields, 'type', 'meta.node_fields'),
    name: position(nodeFields, 'name', 'meta.node_fields'),
    id: position(nodeFields, 'id', 'meta.node_fields'),
    selfSize: position(nodeFields, 'self_size', 'meta.node_fields'),
    edgeCount: position(nodeFields, 'edge_count', 'meta.node_fields'),
  };
  const edge = {
    type: position(edgeFields, 'type', 'meta.edge_fields'),
    nameOrIndex: position(edgeFields, 'name_or_index', 'meta.edge_fields'),
    toNode: position(edgeFields, 'to_node', 'meta.edge_fields'),
  };
  const typeNames = (types: unknown, at: number, what: string): string[] => {
    if (!Array.isArray(types)) throw malformedSnapshot(`${what} is not a list`, offset);
    const names = stringList(types[at], `${what}'s type names`, offset);
    if (names.length === 0 || names.length > 255) throw malformedSnapshot(`${what} has ${names.length} type names`, offset);
    return names;
  };
  const snapshot = header as Record<string, unknown>;
  return {
    nodeFields,
    edgeFields,
    nodeTypes: typeNames(meta.node_types, node.type, 'meta.node_types'),
    edgeTypes: typeNames(meta.edge_types, edge.type, 'meta.edge_types'),
    node,
    edge,
    nodeCount: count(snapshot.node_count, 'snapshot.node_count', offset),
    edgeCount: count(snapshot.edge_count, 'snapshot.edge_count', offset),
  };
}
