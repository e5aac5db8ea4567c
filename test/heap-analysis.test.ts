import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { isCode, MaintenanceError } from '../src/errors.js';
import { analyzeHeap, type HeapReport } from '../src/heap-analysis/analyze-heap.js';
import { dominatorTree } from '../src/heap-analysis/dominators.js';
import { essentialEdges } from '../src/heap-analysis/essential-edges.js';
import { graphKinds } from '../src/heap-analysis/graph-kinds.js';
import { attributeOwnedSizes } from '../src/heap-analysis/shallow-sizes.js';
import type { HeapGraph } from '../src/heapsnapshot/heap-graph.js';
import { readHeapSnapshot } from '../src/heapsnapshot/read-heap-snapshot.js';
import { SnapshotTokenizer } from '../src/heapsnapshot/snapshot-tokenizer.js';
import { CLI, runCli } from './helpers/cli.js';
import { referenceAnalysis, type Reference } from './helpers/heap-reference.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/heap-analysis-app.js', import.meta.url));
const SERIES_FIXTURE = fileURLToPath(new URL('./fixtures/heap-series-app.js', import.meta.url));
/** The corpus: one snapshot per scale of the planted leak (2,000 sessions per unit). */
const SCALES = [1, 2, 3, 4, 5];
const SESSIONS_PER_SCALE = 2000;

let dir: string;
const files = new Map<number, string>();
const references = new Map<number, Reference>();
const reports = new Map<number, HeapReport>();

const fileOf = (scale: number) => files.get(scale)!;

function chunks(bytes: Buffer, size: (index: number) => number): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (let at = 0, index = 0; at < bytes.length; index++) {
      const length = Math.max(1, size(index));
      yield bytes.subarray(at, at + length);
      at += length;
    }
  })();
}

const readFile = (file: string): Promise<HeapGraph> => readHeapSnapshot(createReadStream(file, { highWaterMark: 1 << 20 }));
const analyzeHeapFile = async (file: string): Promise<HeapReport> => analyzeHeap(await readFile(file), { top: 10 });

/** The error a read of these bytes ends with (it must end with one). */
async function readError(bytes: Buffer | string, chunkSize = 4096): Promise<MaintenanceError> {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  try {
    await readHeapSnapshot(chunks(buffer, () => chunkSize));
  } catch (error) {
    assert.ok(isCode(error, 'SNAPSHOT_MALFORMED'), `SNAPSHOT_MALFORMED, got ${String(error)}`);
    return error as MaintenanceError;
  }
  assert.fail('the read succeeded');
}

describe('heap snapshot analysis', { timeout: 600_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'me-heap-analysis-'));
    for (const scale of SCALES) {
      const file = join(dir, `scale-${scale}.heapsnapshot`);
      await promisify(execFile)(process.execPath, [FIXTURE, file, String(scale)]);
      files.set(scale, file);
      references.set(scale, referenceAnalysis(file));
      reports.set(scale, analyzeHeap(await readFile(file), { top: 10 }));
    }
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('the reader keeps every node, edge and string of a real snapshot, however the bytes are cut', async () => {
    const bytes = readFileSync(fileOf(1));
    const whole = await readHeapSnapshot(chunks(bytes, () => bytes.length));
    // Chunks of 1 to 97 bytes: numbers, strings, escapes and the header all cross chunk boundaries.
    const cut = await readHeapSnapshot(chunks(bytes, (index) => ((index * 7919) % 97) + 1));
    const raw = JSON.parse(bytes.toString('utf8')) as { nodes: number[]; edges: number[]; strings: string[]; snapshot: { meta: { node_fields: string[] } } };
    const width = raw.snapshot.meta.node_fields.length;
    for (const graph of [whole, cut]) {
      assert.equal(graph.nodeCount * width, raw.nodes.length);
      assert.equal(graph.strings.count, raw.strings.length);
      for (let n = 0; n < graph.nodeCount; n++) {
        assert.equal(graph.nodeName[n], raw.nodes[n * width + raw.snapshot.meta.node_fields.indexOf('name')]);
        assert.equal(graph.nodeId[n], raw.nodes[n * width + raw.snapshot.meta.node_fields.indexOf('id')]);
      }
      for (let e = 0; e < graph.edgeCount; e++) assert.equal(graph.edgeTarget[e]! * width, raw.edges[e * 3 + 2]);
      const differing = raw.strings.filter((text, index) => graph.strings.get(index) !== text && !/[\ud800-\udfff]/.test(text));
      assert.deepEqual(differing, [], 'every string decodes as JSON.parse reads it (lone surrogates aside)');
    }
    // (Characters beyond the BMP are left out: V8 writes them as something else than their text.)
    for (const awkward of ['quote " and backslash \\ inside', 'line\nbreak\ttab', 'accents: déjà vu, ß, 中文', '\u0001control']) {
      assert.ok(raw.strings.some((text) => text.startsWith(awkward)), `the snapshot holds ${JSON.stringify(awkward)}`);
    }
  });

  test("the tokenizer reports each section and string with its byte range, so a transform can rewrite them in place", () => {
    const bytes = readFileSync(fileOf(1));
    const sections: Array<{ name: string; start: number; end: number }> = [];
    let strings = 0;
    let numbers = 0;
    const tokenizer = new SnapshotTokenizer({
      header() {},
      sectionStart: (name, offset) => sections.push({ name, start: offset, end: -1 }),
      sectionEnd: (name, offset) => (sections.find((section) => section.name === name)!.end = offset),
      numbers: (_values, count) => (numbers += count),
      string(chunk, from, to, _escaped, start, end) {
        strings++;
        // The range covers the quotes and exactly the bytes reported between them.
        assert.equal(Buffer.compare(bytes.subarray(start + 1, end - 1), Buffer.from(chunk.subarray(from, to))), 0, `string at ${start}`);
        assert.equal(bytes[start], 0x22);
        assert.equal(bytes[end - 1], 0x22);
      },
    });
    for (let at = 0, index = 0; at < bytes.length; index++) {
      const length = ((index * 131) % 4093) + 1;
      tokenizer.write(bytes.subarray(at, at + length));
      at += length;
    }
    tokenizer.end();
    const raw = JSON.parse(bytes.toString('utf8')) as { nodes: number[]; edges: number[]; strings: string[] };
    assert.equal(strings, raw.strings.length);
    assert.equal(numbers, raw.nodes.length + raw.edges.length);
    for (const name of ['snapshot', 'nodes', 'edges', 'strings']) {
      const section = sections.find((s) => s.name === name)!;
      const value = JSON.parse(bytes.subarray(section.start, section.end).toString('utf8')) as unknown;
      assert.ok(name === 'snapshot' ? typeof value === 'object' : Array.isArray(value), `${name} spans its whole value`);
    }
  });

  test('retained sizes agree with a second dominator algorithm on every snapshot of the corpus', async () => {
    for (const scale of SCALES) {
      const reference = references.get(scale)!;
      const graph = await readFile(fileOf(scale));
      const kinds = graphKinds(graph);
      attributeOwnedSizes(graph, kinds);
      const tree = dominatorTree(graph, kinds, essentialEdges(graph, kinds));
      const top = [...reference.retained.keys()].sort((a, b) => reference.retained[b]! - reference.retained[a]!).slice(0, 20);
      for (const n of top) {
        const expected = reference.retained[n]!;
        assert.ok(Math.abs(tree.retained[n]! - expected) <= expected * 0.001, `scale ${scale}: @${reference.ids[n]} ${reference.className[n]} retains ${tree.retained[n]}, the reference says ${expected}`);
      }
      const report = reports.get(scale)!;
      for (const summary of report.classes.slice(0, 20)) {
        const expected = reference.classes.get(summary.name)!.retainedSize;
        assert.ok(Math.abs(summary.retainedSize - expected) <= expected * 0.001, `scale ${scale}: class ${summary.name} retains ${summary.retainedSize}, the reference says ${expected}`);
      }
    }
  });

  test('an object held from (Document DOM trees) is the page\'s: the same retained sizes with the work files and without', async () => {
    // root -shortcut-> Window; root -> (Document DOM trees) -> Doc -> Holder; root -> (Internal) -> Other -> Holder.
    // Holder is the page's (the DOM trees reach it), so the edge from Other, which is not, does not retain it:
    // Doc dominates Holder and retains 1,050.
    const strings = ['', 'Window', '(Document DOM trees)', 'Doc', 'Holder', '(Internal)', 'Other', 'window', 'holder'];
    const [object, synthetic] = [3, 9];
    const [element, property, shortcut] = [1, 2, 5];
    // type, name, id, self size, edge count, detachedness
    const nodes = [
      [synthetic, 0, 1, 0, 3, 0],
      [object, 1, 3, 100, 0, 0],
      [synthetic, 2, 5, 0, 1, 0],
      [object, 3, 7, 50, 1, 0],
      [object, 4, 9, 1000, 0, 0],
      [synthetic, 5, 11, 0, 1, 0],
      [object, 6, 13, 10, 1, 0],
    ];
    // type, name or index, target node's index in "nodes"
    const edges = [
      [shortcut, 7, 1],
      [element, 1, 2],
      [element, 2, 5],
      [element, 1, 3],
      [property, 8, 4],
      [element, 1, 6],
      [property, 8, 4],
    ].map(([type, name, to]) => [type, name, to! * 6]);
    const snapshot = {
      snapshot: {
        meta: {
          node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'detachedness'],
          node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'], 'string', 'number', 'number', 'number', 'number'],
          edge_fields: ['type', 'name_or_index', 'to_node'],
          edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
        },
        node_count: nodes.length,
        edge_count: edges.length,
      },
      nodes: nodes.flat(),
      edges: edges.flat(),
      strings,
    };
    const file = join(dir, 'dom-trees.heapsnapshot');
    writeFileSync(file, JSON.stringify(snapshot));
    const expected = referenceAnalysis(file).classes.get('Doc')!.retainedSize;
    assert.equal(expected, 1050, 'the reference');
    const docRetains = async (): Promise<number> => (await analyzeHeapFile(file)).classes.find((c) => c.name === 'Doc')!.retainedSize;
    assert.equal(await docRetains(), expected, 'with work files');
    // No temporary directory: everything stays in memory.
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = join(dir, 'missing');
    try {
      assert.equal(await docRetains(), expected, 'without work files');
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
  });

  test('classes[] counts and self sizes equal an independent count exactly', () => {
    for (const scale of SCALES) {
      const report = reports.get(scale)!;
      const reference = references.get(scale)!;
      const ours = new Map(report.classes.map((c) => [c.name, { count: c.count, selfSize: c.selfSize }]));
      const theirs = new Map([...reference.classes].map(([name, c]) => [name, { count: c.count, selfSize: c.selfSize }]));
      assert.deepEqual(ours, theirs, `scale ${scale}`);
      assert.equal(ours.get('LeakedSession')?.count, SESSIONS_PER_SCALE * scale);
      assert.equal(ours.get('PlantedHandler')?.count, 500);
      assert.equal(ours.get('DetachedCacheEntry')?.count, 300);
    }
  });

  test("the planted leak's holder is the first suspect, with its path and what it holds", () => {
    for (const scale of SCALES) {
      const report = reports.get(scale)!;
      const [first] = report.suspects;
      assert.ok(first !== undefined, 'a suspect');
      assert.equal(first.name, 'Map');
      // The global object is `global` to older V8, `global (global*)` to newer.
      assert.match(first.path, /^\(GC roots\) > global( \(global\*\))? > Object "sessionStore" > Map "sessions"$/);
      assert.deepEqual({ name: first.holds[0]!.name, count: first.holds[0]!.count }, { name: 'LeakedSession', count: SESSIONS_PER_SCALE * scale });
      const reference = references.get(scale)!;
      assert.equal(first.retainedSize, reference.retained[reference.ids.indexOf(first.id)]);
      // The cache only a closure's context holds is found with its path through the closure.
      const cache = report.suspects.find((suspect) => suspect.holds[0]?.name === 'DetachedCacheEntry');
      assert.ok(cache !== undefined, `the detached cache is a suspect: ${JSON.stringify(report.suspects.map((s) => s.path))}`);
      assert.match(cache.path, /^\(GC roots\) > global( \(global\*\))? > Function "readCache" > system \/ Context > Array "cache"$/);
      assert.equal(cache.holds[0]!.count, 300);
    }
  });

  test('duplicated strings and the biggest collections', () => {
    const report = reports.get(2)!;
    const reference = references.get(2)!;
    const duplicate = report.duplicateStrings.find((d) => d.preview === '"duplicated-string-value-1000"');
    assert.ok(duplicate !== undefined, JSON.stringify(report.duplicateStrings));
    assert.equal(duplicate.count, 300);
    const copies = [...reference.className.keys()].filter((n) => reference.className[n] === '(string)' && reference.strings[reference.nameIndex[n]!] === 'duplicated-string-value-1000');
    assert.equal(copies.length, 300);
    assert.equal(duplicate.wastedBytes, 299 * reference.selfSize[copies[0]!]!);
    const entries = (path: string) => report.collections.find((c) => c.path.endsWith(path))?.entries;
    assert.equal(entries('Map "sessions"'), SESSIONS_PER_SCALE * 2);
    assert.equal(entries('Array "plantedArray"'), 4321);
    assert.equal(entries('Set "plantedSet"'), 1234);
  });

  test('analyze prints a report; --json has the documented shape, the same from a file, stdin and a URL', async () => {
    const file = fileOf(1);
    const text = await runCli(['analyze', '--top', '5', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Summary by constructor \(top 5 of/);
    assert.match(text.stdout, /Leak suspects[^\n]*\n {2}1\. Map @\d+ retains [\d.]+ MiB \(\d+% of the heap\)\n {5}\(GC roots\) > global( \(global\*\))? > Object "sessionStore" > Map "sessions"\n {5}holds 2,000 LeakedSession/);
    assert.ok(text.stdout.split('\n').length < 60, 'fits a terminal');

    const json = await runCli(['analyze', '--json', '--top', '5', file]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as HeapReport;
    assert.equal(report.classes.length, 5);
    for (const c of report.classes) assert.deepEqual(Object.keys(c), ['name', 'count', 'selfSize', 'retainedSize']);
    for (const s of report.suspects) for (const key of ['name', 'retainedSize', 'path']) assert.ok(key in s, key);
    for (const d of report.duplicateStrings) for (const key of ['preview', 'count', 'wastedBytes']) assert.ok(key in d, key);

    const fromStdin = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'analyze', '--json', '--top', '5', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      createReadStream(file).pipe(child.stdin);
    });
    assert.deepEqual(JSON.parse(fromStdin), report);

    // An endpoint URL read as it arrives: the server sends the snapshot in small pieces, token checked.
    const token = 'analyze-test-token-0123456789abcdef';
    const bytes = readFileSync(file);
    const server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHORIZED","message":"No valid bearer token."}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      let at = 0;
      const send = () => {
        while (at < bytes.length) {
          const more = res.write(bytes.subarray(at, at + 65536));
          at += 65536;
          if (!more) return void res.once('drain', send);
        }
        res.end();
      };
      send();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ops/heapsnapshot`;
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, token, { mode: 0o600 });
      const fromUrl = await runCli(['analyze', '--json', '--top', '5', '--token-file', tokenFile, url]);
      assert.equal(fromUrl.code, 0, fromUrl.stderr);
      assert.deepEqual(JSON.parse(fromUrl.stdout), report);
      const refused = await runCli(['analyze', url], { env: { MAINTENANCE_ENDPOINT_TOKEN: 'wrong-token-0123456789abcdef' } });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /UNAUTHORIZED/);
    } finally {
      server.close();
    }
  });

  test('--diff lists the classes that grew, by constructor only, and no class that did not grow', async () => {
    const run = await runCli(['analyze', '--diff', '--json', '--top', '10000', fileOf(1), fileOf(3)]);
    assert.equal(run.code, 0, run.stderr);
    const diff = JSON.parse(run.stdout) as { basis: string; growth: Array<{ name: string; countDelta: number; sizeDelta: number }> };
    assert.equal(diff.basis, 'constructor');
    const leaked = diff.growth.find((g) => g.name === 'LeakedSession');
    assert.equal(leaked?.countDelta, SESSIONS_PER_SCALE * 2);
    const before = references.get(1)!.classes;
    const afterwards = references.get(3)!.classes;
    for (const g of diff.growth) {
      const was = before.get(g.name) ?? { count: 0, selfSize: 0 };
      const now = afterwards.get(g.name)!;
      assert.equal(g.countDelta, now.count - was.count, g.name);
      assert.equal(g.sizeDelta, now.selfSize - was.selfSize, g.name);
      assert.ok(g.countDelta > 0 || g.sizeDelta > 0, `${g.name} did not grow`);
    }
    const grew = [...afterwards].filter(([name, now]) => now.count > (before.get(name)?.count ?? 0) || now.selfSize > (before.get(name)?.selfSize ?? 0));
    assert.equal(diff.growth.length, grew.length, 'every class that grew is listed');
    const text = await runCli(['analyze', '--diff', fileOf(1), fileOf(3)]);
    assert.match(text.stdout, /by constructor only/);
  });

  test('--diff A B C: objects allocated between A and B still alive in C, by object id, the planted class exactly', async () => {
    await promisify(execFile)(process.execPath, [SERIES_FIXTURE, join(dir, 'series')]);
    const series = [1, 2, 3].map((k) => join(dir, `series-${k}.heapsnapshot`));
    const run = await runCli(['analyze', '--diff', '--json', '--top', '10000', ...series]);
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as { basis: string; allocated: number; survivors: Array<{ name: string; count: number; selfSize: number; path: string }> };
    assert.equal(answer.basis, 'object ids');
    const byName = new Map(answer.survivors.map((s) => [s.name, s]));
    assert.equal(byName.get('GrowingRecord')?.count, 677, JSON.stringify(answer.survivors.slice(0, 5)));
    assert.match(byName.get('GrowingRecord')!.path, /^\(GC roots\) > global( \(global\*\))? > Object "series" > Array "kept" > GrowingRecord\[\d+\]$/);
    for (const gone of ['ShortLived', 'Replaced', 'LateRecord']) assert.equal(byName.get(gone), undefined, `${gone} is not listed`);
    for (const s of answer.survivors) assert.ok(s.count > 0 && s.selfSize > 0, s.name);
    // Snapshots of two processes share no ids: refused, not answered wrongly.
    const mixed = await runCli(['analyze', '--diff', fileOf(1), series[1]!, series[2]!]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /do not share V8's object ids/);
  });

  test('any cut or any changed byte of a real snapshot gives SNAPSHOT_MALFORMED or a report, never another failure', async () => {
    const bytes = readFileSync(fileOf(1));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), async (at, value, cut) => {
        const input = cut ? bytes.subarray(0, at) : Buffer.from(bytes);
        if (!cut) input[at] = value;
        let graph: HeapGraph;
        try {
          graph = await readHeapSnapshot(chunks(input, () => 65536));
        } catch (error) {
          assert.ok(isCode(error, 'SNAPSHOT_MALFORMED'), `${cut ? 'cut' : 'changed'} at ${at}: ${String(error)}`);
          assert.ok(typeof (error as MaintenanceError).details?.offset === 'number');
          return;
        }
        assert.ok(!cut, 'a cut snapshot is never read as whole');
        // A changed digit can still make a well-formed snapshot: the analysis of any graph must finish.
        assert.ok(analyzeHeap(graph, { top: 3 }).classes.length > 0);
      }),
      { numRuns: 40 },
    );
  });

  test('bad input ends with SNAPSHOT_MALFORMED and the byte offset, never a crash or a hang', async () => {
    const bytes = readFileSync(fileOf(1));
    const text = bytes.toString('latin1');

    const empty = await readError('');
    assert.equal(empty.details?.offset, 0);
    assert.match(empty.message, /at byte 0: the input is empty/);

    // Truncated: in the header, inside "nodes", inside "strings", and one byte short of the end.
    for (const length of [40, text.indexOf('"nodes"') + 5000, text.indexOf('"strings"') + 3000, bytes.length - 1]) {
      const error = await readError(bytes.subarray(0, length));
      assert.equal(error.details?.offset, length, error.message);
      assert.match(error.message, new RegExp(`at byte ${length}: the input ends inside .*\\(truncated\\)`));
    }

    const gzipped = await readError(gzipSync(bytes.subarray(0, 1000)));
    assert.match(gzipped.message, /at byte 0: the input is gzip-compressed; decompress it first/);
    const notJson = await readError('hello');
    const blank = await readError('  \n ');
    assert.match(blank.message, /at byte 4: the input holds only white space/);
    assert.match(notJson.message, /at byte 0: a heap snapshot is a JSON object starting with "\{"/);
    const otherJson = await readError(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url))));
    assert.match(otherJson.message, /at byte \d+: a heap snapshot starts with its "snapshot" header; this document has "name" first/);

    const renamed = text.replace('"detachedness"', '"mystery_field"');
    const unknownField = await readError(Buffer.from(renamed, 'latin1'));
    assert.match(unknownField.message, /meta\.node_fields has fields this reader does not know: mystery_field/);
    assert.equal(unknownField.details?.offset, renamed.indexOf('"nodes"') - 2, 'the offset is the end of the header');

    const fraction = text.indexOf('"nodes":[') + '"nodes":['.length + 1;
    const notInteger = await readError(Buffer.from(`${text.slice(0, fraction)}.5${text.slice(fraction)}`, 'latin1'));
    assert.equal(notInteger.details?.offset, fraction);
    assert.match(notInteger.message, /"nodes" holds something other than non-negative integers/);

    const cli = await runCli(['analyze', join(dir, 'missing.heapsnapshot')]);
    assert.equal(cli.code, 1);
    writeFileSync(join(dir, 'empty.heapsnapshot'), '');
    const emptyCli = await runCli(['analyze', join(dir, 'empty.heapsnapshot')]);
    assert.equal(emptyCli.code, 1);
    assert.match(emptyCli.stderr, /Not a readable heap snapshot at byte 0: the input is empty/);
  });
});
