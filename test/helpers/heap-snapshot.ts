import assert from 'node:assert/strict';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[] }; node_count: number; edge_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/**
 * Parses a downloaded snapshot whole and checks it is a complete, consistent DevTools heap snapshot
 * holding the fixture's planted objects: the class name, its property name, and the labels of its
 * instances, which a redacted snapshot (the default) holds only as their length and a hash.
 */
export function assertWholeSnapshotWithPlantedObjects(body: Buffer, { redacted = true }: { redacted?: boolean } = {}): HeapSnapshot {
  const snapshot = JSON.parse(body.toString('utf8')) as HeapSnapshot;
  const { meta, node_count, edge_count } = snapshot.snapshot;
  assert.equal(snapshot.nodes.length, node_count * meta.node_fields.length, 'every node is present');
  assert.equal(snapshot.edges.length, edge_count * meta.edge_fields.length, 'every edge is present');
  assert.ok(snapshot.strings.includes('PlantedMarker'), 'the planted class is in the snapshot');
  assert.ok(snapshot.strings.includes('label'), 'the planted property name is in the snapshot');
  if (redacted) {
    assert.ok(!snapshot.strings.includes('planted-999'), 'the planted labels are redacted');
    assert.ok(snapshot.strings.some((text) => text.startsWith('<redacted:len=11:')), 'as their length and a hash');
  } else {
    assert.ok(snapshot.strings.includes('planted-999'), 'the planted instances are in the snapshot');
  }
  return snapshot;
}
