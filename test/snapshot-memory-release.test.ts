import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/** Debian's libjemalloc2; .ci/run installs it where it is missing. */
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';

function rssOf(pid: number): number {
  return Number(/^VmRSS:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

describe('memory given back after a heap snapshot', () => {
  let app: Fixture;
  before(async () => {
    assert.ok(existsSync(JEMALLOC), `${JEMALLOC} is installed (apt-get install libjemalloc2)`);
    // The allocator settings docs/operations.md advises for containers: jemalloc returns freed pages
    // from a background thread, so an idle process gives them back too.
    app = await startFixture({ mode: 'worker', env: { LD_PRELOAD: JEMALLOC, MALLOC_CONF: 'background_thread:true' } });
  });
  after(() => app.stop());

  test('under jemalloc, RSS 10 s after a snapshot is within 25% of heapUsed of where it started', async () => {
    await app.command({ cmd: 'grow-objects', count: 600_000 }, 'grown');
    const memory = JSON.parse((await request(`${app.url}/memory`, { token: app.tokens.admin })).body.toString()) as { heapUsed: number };
    const pid = app.child.pid!;
    const rssBefore = rssOf(pid);

    const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.admin });
    assert.equal(reply.status, 200);
    const peak = rssOf(pid);

    const allowed = rssBefore + memory.heapUsed * 0.25;
    const settled = await eventually(async () => (rssOf(pid) <= allowed ? rssOf(pid) : undefined), 10_000, `RSS back under ${allowed} bytes`);
    assert.ok(settled <= allowed, `RSS ${settled} (was ${rssBefore} before, ${peak} right after; heapUsed ${memory.heapUsed})`);
  });
});
