import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { analyzeHeap } from '../../src/heap-analysis/analyze-heap.js';
import { readHeapSnapshot } from '../../src/heapsnapshot/read-heap-snapshot.js';
import { secretsIn } from './secret-list.js';

interface ParsedSnapshot {
  snapshot: { node_count: number; edge_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface VscodeParser {
  decode_bytes(input: Uint8Array): { get_class_groups(start: number, end: number, noRetained: boolean): Array<{ name: string; self_size: number; retained_size: number; children_len: number; free(): void }>; free(): void };
}

/** Class groups (DevTools' Summary view) by @vscode/v8-heap-parser, an independent parser: name, count, self and retained size. */
function vscodeClassGroups(bytes: Buffer): string[] {
  const parser = createRequire(import.meta.url)('@vscode/v8-heap-parser') as VscodeParser;
  const graph = parser.decode_bytes(bytes);
  const groups = graph.get_class_groups(0, 1_000_000, false).map((group) => {
    const line = `${group.name} ${group.children_len} ${group.self_size} ${group.retained_size}`;
    group.free();
    return line;
  });
  graph.free();
  return groups.sort();
}

async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The constructor histogram by the project's reader and analysis: class name, count, self size. */
async function ourClassSummary(bytes: Buffer): Promise<string[]> {
  const report = analyzeHeap(await readHeapSnapshot(once(bytes)), { top: 10 });
  return report.classes.map((entry) => `${entry.name} ${entry.count} ${entry.selfSize} ${entry.retainedSize}`).sort();
}

/**
 * What a redacted snapshot must be, against the raw one of the same heap (`sameHeap`: the very bytes it
 * was made from, so their graphs must be identical): not one secret in any byte; parsed whole by
 * JSON.parse, the project's reader and @vscode/v8-heap-parser; the planted class and property names kept.
 */
export async function assertRedacted(redacted: Buffer, raw: Buffer, secrets: readonly string[], options: { sameHeap: boolean }): Promise<void> {
  assert.equal(secretsIn(raw, secrets).length, secrets.length, 'the raw snapshot holds every planted secret');
  assert.deepEqual(secretsIn(redacted, secrets), [], 'not one secret in the redacted snapshot');
  const before = JSON.parse(raw.toString('utf8')) as ParsedSnapshot;
  const after = JSON.parse(redacted.toString('utf8')) as ParsedSnapshot;
  for (const name of ['PlantedSecretHolder', 'PlantedSessionStore', 'apiToken', 'ownerName', 'sessions', 'csrfSecret', 'PlantedMarker', 'label']) {
    assert.ok(after.strings.includes(name), `"${name}" survives`);
  }
  assert.ok(after.strings.some((text) => /^<redacted:len=32:[0-9a-f]{16}>$/.test(text)), 'secrets become their length and a keyed label');
  const vscodeAfter = vscodeClassGroups(redacted);
  const oursAfter = await ourClassSummary(redacted);
  if (options.sameHeap) {
    assert.equal(after.snapshot.node_count, before.snapshot.node_count);
    assert.equal(after.snapshot.edge_count, before.snapshot.edge_count);
    assert.deepEqual(after.nodes, before.nodes, 'nodes as V8 wrote them');
    assert.deepEqual(after.edges, before.edges, 'edges as V8 wrote them');
    assert.equal(after.strings.length, before.strings.length);
    assert.deepEqual(oursAfter, await ourClassSummary(raw), 'the same constructor histogram, by the project\'s reader');
    assert.deepEqual(vscodeAfter, vscodeClassGroups(raw), 'the same class groups, by @vscode/v8-heap-parser');
  } else {
    const histogram = (lines: string[]) => lines.filter((line) => line.startsWith('Planted')).map((line) => line.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(histogram(oursAfter), histogram(await ourClassSummary(raw)), 'the planted classes in the same numbers');
  }
}
