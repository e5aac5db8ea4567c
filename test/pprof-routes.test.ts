import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

describe('Go-style /debug/pprof/* paths (worker mode)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES, options: { rateLimit: { heavy: { limit: 200 } } } });
  });
  after(async () => {
    await app?.stop();
  });

  test('/debug/pprof/*: pprof a decoder reads, with the scopes of the routes they mirror', async () => {
    const cpu = await request(`${app.url}/debug/pprof/profile?seconds=1`, { token: app.tokens.admin });
    assert.equal(cpu.status, 200);
    const cpuProfile = decodePprof(cpu.body);
    assert.deepEqual(cpuProfile.sampleTypes, ['samples/count', 'cpu/nanoseconds']);
    assert.equal(cpuProfile.defaultSampleType, 'cpu');
    assert.equal(cpuProfile.periodType, 'cpu/nanoseconds');

    // Allocating until told to rest, so the profile falls inside the work however late it starts.
    await app.command({ cmd: 'work', work: 'allocate' }, 'working');
    const heap = await request(`${app.url}/debug/pprof/heap?seconds=2`, { token: app.tokens.admin });
    await app.command({ cmd: 'rest' }, 'rested');
    assert.equal(heap.status, 200);
    const heapProfile = decodePprof(heap.body);
    await readByGoPprof(cpu.body, heap.body);
    assert.deepEqual(heapProfile.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    assert.equal(heapProfile.defaultSampleType, 'inuse_space');
    const inuse = heapProfile.samples.filter((sample) => sample.stack.some((frame) => frame.name === 'allocatingFunction')).reduce((sum, s) => sum + s.values[3]!, 0);
    assert.ok(inuse > 1024 * 1024, `allocatingFunction holds ${inuse} bytes in use (estimated)`);

    const { unblocked } = await app.block(3000);
    const text = await request(`${app.url}/debug/pprof/goroutine?debug=2`, { token: app.tokens.admin });
    assert.match(String(text.headers['content-type']), /^text\/plain/);
    assert.match(text.body.toString(), /^goroutine 1 \[running\]:\nbusyLoop\(\.\.\.\)\n\t\/.+fixtures\/app\.js:\d+\n/);
    const goroutines = await request(`${app.url}/debug/pprof/goroutine`, { token: app.tokens.admin });
    const goroutineProfile = decodePprof(goroutines.body);
    assert.deepEqual(goroutineProfile.sampleTypes, ['goroutine/count']);
    assert.equal(goroutineProfile.samples[0]!.stack[0]!.name, 'busyLoop');
    await unblocked;

    assert.equal((await request(`${app.url}/debug/pprof/profile?seconds=1`, { token: app.tokens.reader })).status, 403);
    assert.equal((await request(`${app.url}/debug/pprof/heap?format=heapprofile`, { token: app.tokens.admin })).status, 400, 'the format is fixed');
    const audit = app.auditLines().filter((line) => line.path === '/ops/debug/pprof/profile');
    assert.ok(audit.some((line) => line.status === 200), 'audited as any request');
  });
});

/**
 * `go tool pprof`, Go's own reader, where Go is installed (CI machines may have none: then the
 * independent decoder above is the only reader, and the output says so). Go is kept off the network
 * and out of the user's files: local toolchain only, no module proxy, a private HOME and build cache.
 */
async function readByGoPprof(cpu: Buffer, heap: Buffer): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'me-go-pprof-'));
  const env = { ...process.env, HOME: home, GOCACHE: join(home, 'cache'), GOPATH: join(home, 'gopath'), GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTELEMETRY: 'off' };
  const go = (args: string[]) => promisify(execFile)('go', args, { env, cwd: home, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  try {
    try {
      await go(['version']);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      console.log('go is not on PATH: the pprof outputs were checked with the independent decoder only');
      return;
    }
    writeFileSync(join(home, 'cpu.pb.gz'), cpu);
    writeFileSync(join(home, 'heap.pb.gz'), heap);
    const cpuRaw = (await go(['tool', 'pprof', '-raw', join(home, 'cpu.pb.gz')])).stdout;
    assert.deepEqual(rawSampleTypes(cpuRaw), ['samples/count', 'cpu/nanoseconds[dflt]'], cpuRaw.slice(0, 500));
    assert.match(cpuRaw, /^PeriodType: cpu nanoseconds$/m);
    const heapRaw = (await go(['tool', 'pprof', '-raw', join(home, 'heap.pb.gz')])).stdout;
    // Go's names for a heap profile's four values, the in-use bytes the default.
    assert.deepEqual(rawSampleTypes(heapRaw), ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes[dflt]'], heapRaw.slice(0, 500));
    const heapTop = (await go(['tool', 'pprof', '-top', '-nodefraction=0', join(home, 'heap.pb.gz')])).stdout;
    assert.match(heapTop, /allocatingFunction/, heapTop.slice(0, 2000));
    console.log(`${(await go(['version'])).stdout.trim()}: go tool pprof read the CPU and heap profiles (and the independent decoder did)`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The sample types `go tool pprof -raw` lists under `Samples:`, `[dflt]` marking the default. */
function rawSampleTypes(raw: string): string[] {
  const lines = raw.split('\n');
  const header = lines[lines.indexOf('Samples:') + 1] ?? '';
  return header.trim().split(/\s+/);
}
