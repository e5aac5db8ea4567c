import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliRun } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { decodePprof } from './helpers/pprof.js';

const env = { MAINTENANCE_ENDPOINT_TOKEN: '', MAINTENANCE_ENDPOINT_URL: '', MAINTENANCE_ENDPOINT_TOKENS: '' };

describe('CLI: artifacts from a running endpoint (worker mode)', () => {
  let app: Fixture;
  let dir: string;
  let tokenFile: string;
  const cli = (args: string[]): Promise<CliRun> => runCli([...args, '--url', app.url, '--token-file', tokenFile], { cwd: dir, env });
  const json = (run: CliRun) => {
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  };

  before(async () => {
    app = await startFixture({ mode: 'worker' });
    dir = mkdtempSync(join(tmpdir(), 'me-cli-'));
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${app.tokens.admin}\n`, { mode: 0o600 });
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('heapsnapshot: a whole snapshot, and a byte count of the file, not of the gzipped transfer', async () => {
    const run = await cli(['heapsnapshot', '-o', 'app.heapsnapshot', '--json']);
    const result = json(run);
    const size = statSync(join(dir, 'app.heapsnapshot')).size;
    assert.deepEqual(Object.keys(result).sort(), ['bytes', 'file', 'wireBytes']);
    assert.equal(result.bytes, size);
    assert.ok(result.wireBytes > 0 && result.wireBytes < size, 'gzip on the wire, decoded into the file');
    assertWholeSnapshotWithPlantedObjects(readFileSync(join(dir, 'app.heapsnapshot')));
    assert.match(run.stderr, /heapsnapshot: wrote app\.heapsnapshot, [\d.]+ MiB \([\d.]+ (KiB|MiB) transferred, gzip\)/);
    const plain = await cli(['heapsnapshot']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout.trim(), /^[^/\n]+\.heapsnapshot$/, 'stdout names the file the endpoint suggested');
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.partial')), []);
  });

  test('cpuprofile and heapprofile write what they are asked for, announcing the wait', async () => {
    await app.command({ cmd: 'work', work: 'hot' }, 'working');
    const cpu = await cli(['cpuprofile', '--seconds', '1', '-o', 'app.cpuprofile']);
    await app.command({ cmd: 'rest' }, 'rested');
    assert.equal(cpu.code, 0, cpu.stderr);
    assert.equal(cpu.stdout, 'app.cpuprofile\n');
    assert.match(cpu.stderr, /^cpuprofile: sampling for 1 s\.\.\.$/m);
    assert.ok(JSON.parse(readFileSync(join(dir, 'app.cpuprofile'), 'utf8')).nodes.length > 0);
    const heap = json(await cli(['heapprofile', '--seconds', '1', '--format', 'pprof', '-o', 'heap.pb.gz', '--json']));
    assert.equal(heap.file, 'heap.pb.gz');
    assert.ok(decodePprof(readFileSync(join(dir, 'heap.pb.gz'))).sampleTypes.length > 0);
  });

});
