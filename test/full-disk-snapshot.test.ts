import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDescriptorTargets } from './helpers/descriptors.js';
import { startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/**
 * A scheduled snapshot on a disk that fills: V8 writes the store's partial file itself, and Node leaves
 * its descriptor open when a write fails with ENOSPC. The failed job must close and free the partial
 * file at once, so the disk is as free as before and the next dump fits. The disk is a small tmpfs
 * (mounted here: the suite runs as root, as the audit did).
 */

const usedBytes = (path: string) => {
  const stats = statfsSync(path);
  return (stats.blocks - stats.bfree) * stats.bsize;
};

for (const mode of ['worker', 'router'] satisfies Mode[]) {
  describe(`a scheduled snapshot that fills the disk (${mode} mode)`, () => {
    let app: Fixture | undefined;
    let disk: string | undefined;
    let mounted = false;
    after(async () => {
      await app?.stop();
      if (mounted) execFileSync('umount', [disk!]);
      if (disk !== undefined) rmSync(disk, { recursive: true, force: true });
    });

    async function schedule(query: string): Promise<Record<string, unknown>> {
      const reply = await request(`${app!.url}/heapsnapshot?delay=1s${query}`, { token: app!.tokens.admin });
      assert.equal(reply.status, 202, reply.body.toString());
      const id = String(reply.json().id);
      return eventually(async () => {
        const job = (await request(`${app!.url}/dumps/${id}`, { token: app!.tokens.admin })).json();
        return job.status === 'ready' || job.status === 'failed' ? job : undefined;
      }, 120_000, `job ${id} to end`);
    }

    test('fails, closes and frees its partial file, and the next dump fits', async () => {
      disk = mkdtempSync(join(tmpdir(), 'me-full-disk-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1g,mode=0700', 'tmpfs', disk]);
      mounted = true;
      app = await startFixture({ mode, options: { dumps: { directory: disk, reserveBytes: 0 }, rateLimit: { heavy: { limit: 200 } } } });
      // Many small objects: with numeric values and internals its snapshot is well over twice the plain one.
      await app.command({ cmd: 'grow-objects', count: 300_000 }, 'grown');
      const plain = await schedule('');
      assert.equal(plain.status, 'ready', String(plain.error));
      assert.equal((await request(`${app.url}/dumps/${plain.id}`, { token: app.tokens.heap, method: 'DELETE' })).status, 204);
      // A disk with room for the plain snapshot (and the store's check of twice the heap), not the larger one.
      const size = Math.ceil((Number(plain.size) * 1.3) / 4096) * 4096;
      execFileSync('mount', ['-o', `remount,size=${size}`, disk]);
      const usedBefore = usedBytes(disk);

      for (let attempt = 0; attempt < 2; attempt++) {
        const full = await schedule('&captureNumericValue=true&exposeInternals=true');
        assert.equal(full.status, 'failed', 'the disk filled');
        assert.match(String(full.error), /ENOSPC|space/i);
        const leftOpen: string[] = openDescriptorTargets(app.child.pid!).filter((target) => target.startsWith(disk!));
        assert.deepEqual(leftOpen, [], 'no descriptor stays open on the store');
        assert.ok(usedBytes(disk) <= usedBefore + 64 * 1024, `the disk is freed (${usedBytes(disk)} bytes used, ${usedBefore} before)`);
      }

      const later = await schedule('');
      assert.equal(later.status, 'ready', `a later dump fits: ${String(later.error)}`);
      assert.equal(app.child.exitCode, null, 'the app is alive');
    });
  });
}
