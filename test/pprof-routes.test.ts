import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

describe('Go-style /debug/pprof/* paths (worker mode)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { rateLimit: { heavy: { limit: 200 } } } });
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
