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

/**
 * The allocator settings docs/operations.md advises for containers: jemalloc returns freed pages from a
 * background thread within about a second, so an idle process gives them back too, and its larger
 * slabs for 512 B-4 KiB keep its bookkeeping small after V8's snapshot (one 1 KiB name per array index).
 */
const ADVISED = { LD_PRELOAD: JEMALLOC, MALLOC_CONF: 'background_thread:true,dirty_decay_ms:1000,slab_sizes:512-4096:16' };

async function settledRss(pid: number): Promise<number> {
  let previous = rssOf(pid);
  return eventually(async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = rssOf(pid);
    const settled = Math.abs(now - previous) < 1024 * 1024;
    previous = now;
    return settled ? now : undefined;
  }, 30_000, 'RSS settled');
}

describe('memory given back after a heap snapshot', () => {
  let app: Fixture;
  before(async () => {
    assert.ok(existsSync(JEMALLOC), `${JEMALLOC} is installed (apt-get install libjemalloc2)`);
    app = await startFixture({ mode: 'worker', env: ADVISED });
  });
  after(() => app.stop());

  const memory = async () => JSON.parse((await request(`${app.url}/memory`, { token: app.tokens.admin })).body.toString()) as { heapUsed: number; heapTotal: number };

  test('under jemalloc, RSS 10 s after a snapshot is within 25% of heapUsed of where it started', async () => {
    // 2M small objects, whose ids V8 keeps (about 190 MB) unless released, and 300 MiB of arrays of
    // numbers, cheap to snapshot: about 390 MB of heapUsed in all, so the quarter allowed is larger
    // than what the process's two V8 heaps may keep committed after the snapshot's GCs (30-45 MB seen).
    await app.command({ cmd: 'grow-objects', count: 2_000_000 }, 'grown');
    await app.command({ cmd: 'grow', mb: 300 }, 'grown');
    const pid = app.child.pid!;
    // The probe behind /memory publishes once a second: wait until it shows the grown heap.
    const before = await eventually(async () => {
      const figures = await memory();
      return figures.heapUsed > 350 * 1024 * 1024 ? figures : undefined;
    });
    const rssBefore = rssOf(pid);

    const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.admin });
    assert.equal(reply.status, 200);
    const peak = rssOf(pid);

    const allowed = rssBefore + before.heapUsed * 0.25;
    let last = peak;
    const settled = await eventually(
      async () => {
        last = rssOf(pid);
        return last <= allowed ? last : undefined;
      },
      10_000,
      `RSS back under ${allowed} bytes (it was ${rssBefore} before, ${peak} right after, heapUsed ${before.heapUsed}, heapTotal ${before.heapTotal})`,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; now ${last}, heapTotal ${(await memory()).heapTotal}`);
    });
    assert.ok(settled <= allowed);
  });
});

for (const mode of ['worker', 'router'] as const) {
  describe(`RSS held after one snapshot of a 150 MiB heap, ${mode} mode`, () => {
    let app: Fixture;
    before(async () => {
      assert.ok(existsSync(JEMALLOC), `${JEMALLOC} is installed (apt-get install libjemalloc2)`);
      app = await startFixture({ mode, env: ADVISED });
    });
    after(() => app.stop());

    test('after the snapshot, the app gives back all but an eighth of heapUsed within 20 s', async () => {
      // A million small objects in one array (whose backing store V8 names index by index in the snapshot,
      // a 1 KiB allocation each) and 100 MiB of arrays of numbers: about 150 MiB of heapUsed.
      await app.command({ cmd: 'grow-objects', count: 1_000_000 }, 'grown');
      await app.command({ cmd: 'grow', mb: 100 }, 'grown');
      // A full GC first, so the spaces V8 grew while the heap was built are not the snapshot's to give back.
      const collected = await request(`${app.url}/gc`, { token: app.tokens.admin, method: 'POST' });
      assert.equal(collected.status, 200);
      const heapUsed = (collected.json() as { after: { usedSize: number } }).after.usedSize;
      const pid = app.child.pid!;
      // Until the allocator has given back what the GC freed: two readings half a second apart agree.
      const rssBefore = await settledRss(pid);
      const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.admin });
      assert.equal(reply.status, 200);
      const peak = rssOf(pid);
      // Half the goal (a quarter of heapUsed, 12 s after), so that neither what the relaying thread
      // kept (20-50 MiB in router mode before) nor the allocator's bookkeeping can hide in the margin:
      // 2-10 MiB is held now, 20-35 MiB before under the same allocator settings, 35-90 MiB under the
      // settings advised before. The allocator gives back within a second or two; a loaded machine may
      // delay its thread, hence 20 s.
      const allowed = rssBefore + heapUsed / 8;
      let last = peak;
      await eventually(
        async () => {
          last = rssOf(pid);
          return last <= allowed;
        },
        20_000,
        `RSS back under ${allowed} bytes (${rssBefore} before, ${peak} right after, heapUsed ${heapUsed})`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; held ${((last - rssBefore) / 1024 / 1024).toFixed(1)} MiB`);
      });
    });
  });
}
