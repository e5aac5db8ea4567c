import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The map in docs/architecture.md, enforced: each folder of src/ is a layer, and a file imports only
 * from its own folder or from a lower layer. Nothing below the HTTP layer knows HTTP exists, and the
 * import graph has no cycle.
 */
const LAYERS: Record<string, number> = {
  'errors.ts': 0,
  'package-info.ts': 0,
  'contained.ts': 0,
  params: 1,
  options: 1,
  heapsnapshot: 1,
  'heap-analysis': 2,
  'snapshot-redaction': 2,
  targets: 2,
  log: 2,
  streaming: 2,
  egress: 2,
  process: 1,
  server: 3,
  commands: 2,
  probe: 3,
  operations: 4,
  metrics: 5,
  scheduling: 5,
  live: 5,
  rules: 6,
  recorder: 6,
  http: 7,
  endpoint: 8,
  worker: 9,
  router: 9,
  cli: 9,
  'index.ts': 10,
};

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|new URL\(\s*['"](\.{1,2}\/[^'"]+\.js)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of each file, resolved to the .ts files they name. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((match) => resolve(dirname(file), (match[1] ?? match[2] ?? match[3])!.replace(/\.js$/, '.ts')));
    graph.set(relative(SRC, file), targets.map((target) => relative(SRC, target)));
  }
  return graph;
}

const layerOf = (file: string): string => file.split('/')[0]!;

function rankOf(file: string): number {
  const rank = LAYERS[layerOf(file)];
  assert.notEqual(rank, undefined, `${file} is in a folder docs/architecture.md does not place; add it to the map and to LAYERS`);
  return rank!;
}

describe('architecture', () => {
  const graph = importGraph();

  test('every import goes to the same folder or a lower layer', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        if (layerOf(file) !== layerOf(target) && rankOf(target) >= rankOf(file)) upward.push(`${file} -> ${target}`);
      }
    }
    assert.deepEqual(upward, [], 'imports that go up or sideways between layers');
  });

  test('the import graph has no cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  test('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([file, imports]) => imports.filter((target) => !graph.has(target)).map((target) => `${file} -> ${target}`));
    assert.deepEqual(missing, []);
  });

  test('request state is typed: no res.locals anywhere in src', () => {
    const uses = [...graph.keys()].filter((file) => readFileSync(join(SRC, file), 'utf8').includes('res.locals'));
    assert.deepEqual(uses, []);
  });
});
