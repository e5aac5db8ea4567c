import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliSession, runCli } from './helpers/cli.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { request } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

describe('CLI: artifacts from a running endpoint (worker mode)', () => {
  const session = cliSession();
  const { cli, json } = session;

  test('heapsnapshot: a whole snapshot, redacted unless --redact false, and a byte count of the file, not of the gzipped transfer', async () => {
    const run = await cli(['heapsnapshot', '-o', 'app.heapsnapshot', '--json']);
    const result = json(run);
    const size = statSync(join(session.dir, 'app.heapsnapshot')).size;
    assert.deepEqual(Object.keys(result).sort(), ['bytes', 'file', 'wireBytes']);
    assert.equal(result.bytes, size);
    assert.ok(result.wireBytes > 0 && result.wireBytes < size, 'gzip on the wire, decoded into the file');
    assertWholeSnapshotWithPlantedObjects(readFileSync(join(session.dir, 'app.heapsnapshot')));
    assert.match(run.stderr, /heapsnapshot: wrote app\.heapsnapshot, [\d.]+ MiB \([\d.]+ (KiB|MiB) transferred, gzip\)/);
    const plain = await cli(['heapsnapshot']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout.trim(), /^[^/\n]+\.heapsnapshot$/, 'stdout names the file the endpoint suggested');
    const raw = await cli(['heapsnapshot', '--redact', 'false', '-o', 'raw.heapsnapshot']);
    assert.equal(raw.code, 0, raw.stderr);
    assertWholeSnapshotWithPlantedObjects(readFileSync(join(session.dir, 'raw.heapsnapshot')), { redacted: false });
    assert.deepEqual(readdirSync(session.dir).filter((name) => name.endsWith('.partial')), []);
  });

  test('heapsnapshot --analyze: saves the file and reports on it from the same download; the report is the one analyze gives of the saved file', async () => {
    const run = await cli(['heapsnapshot', '--analyze', '--top', '10000', '-o', 'analyzed.heapsnapshot', '--json']);
    const result = json(run);
    const saved = join(session.dir, 'analyzed.heapsnapshot');
    assert.equal(result.bytes, statSync(saved).size);
    assertWholeSnapshotWithPlantedObjects(readFileSync(saved));
    assert.equal(result.report.snapshot.bytes, result.bytes, 'the report read every byte of the file');
    const planted = result.report.classes.find((c: { name: string }) => c.name === 'PlantedMarker');
    assert.equal(planted?.count, 1000, 'the fixture plants 1000 PlantedMarker');
    const separately = json(await runCli(['analyze', '--json', '--top', '10000', saved]));
    assert.deepEqual(result.report, separately, 'the same report as reading the saved file again');
    const text = await cli(['heapsnapshot', '--analyze', '--top', '3', '-o', 'analyzed-text.heapsnapshot']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^analyzed-text\.heapsnapshot\n\nHeap snapshot: .* read, [\d,]+ objects/);
    assert.match(text.stdout, /Summary by constructor \(top 3 of/);
    const refused = await cli(['heapsnapshot', '--analyze', '--delay', '1h']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--analyze .* cannot go with --egress or a schedule/);
    assert.deepEqual(readdirSync(session.dir).filter((name) => name.endsWith('.partial')), []);
  });

  test('GET /heapsnapshot/analysis is refused in worker mode, the app process, pointing at the CLI and the sidecar', async () => {
    const response = await request(`${session.app.url}/heapsnapshot/analysis`, { token: session.app.tokens.admin });
    assert.equal(response.status, 501);
    const { error } = response.json();
    assert.equal(error.code, 'ANALYSIS_NOT_IN_APP');
    assert.match(error.message, /worker mode/);
    assert.match(error.message, /maintenance-endpoint heapsnapshot --analyze --url http:\/\/127\.0\.0\.1:\d+\/\S+/);
    assert.match(error.message, /maintenance-endpoint serve/);
    const stored = await request(`${session.app.url}/dumps/AAAAAAAAAAAAAAAAAAAAAA/analysis`, { token: session.app.tokens.admin });
    assert.equal(stored.status, 501, 'the analysis of a stored dump likewise');
    assert.equal(stored.json().error.code, 'ANALYSIS_NOT_IN_APP');
  });

  test('cpuprofile and heapprofile write what they are asked for, announcing the wait', async () => {
    await session.app.command({ cmd: 'work', work: 'hot' }, 'working');
    const cpu = await cli(['cpuprofile', '--seconds', '1', '-o', 'app.cpuprofile']);
    await session.app.command({ cmd: 'rest' }, 'rested');
    assert.equal(cpu.code, 0, cpu.stderr);
    assert.equal(cpu.stdout, 'app.cpuprofile\n');
    assert.match(cpu.stderr, /^cpuprofile: sampling for 1 s\.\.\.$/m);
    assert.ok(JSON.parse(readFileSync(join(session.dir, 'app.cpuprofile'), 'utf8')).nodes.length > 0);
    const heap = json(await cli(['heapprofile', '--seconds', '1', '--format', 'pprof', '-o', 'heap.pb.gz', '--json']));
    assert.equal(heap.file, 'heap.pb.gz');
    assert.ok(decodePprof(readFileSync(join(session.dir, 'heap.pb.gz'))).sampleTypes.length > 0);
  });

});
