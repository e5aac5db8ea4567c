import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDescriptorTargets } from './helpers/descriptors.js';
import { startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/**
 * A disk that fills under the endpoint. A scheduled snapshot on it: V8 writes the store's partial file
 * itself, and Node leaves its descriptor open when a write fails with ENOSPC; the failed job must close
 * and free the partial file at once, so the disk is as free as before and the next dump fits. The audit
 * log on it: a line that cannot be written waits (a bounded backlog), and neither the request nor the
 * app fails. The disk is a small tmpfs (mounted here: the suite runs as root).
 */

/** Fills the file system of `directory` to its last block; returns the filler's path. */
function fill(directory: string): string {
  const path = join(directory, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
  return path;
}

/** A tmpfs of `size` mounted on a fresh directory, and a way to unmount and remove it (safe to call when mounting failed). */
function smallDisk(prefix: string, size: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  let mounted = false;
  const remove = () => {
    if (mounted) execFileSync('umount', [path]);
    mounted = false;
    rmSync(path, { recursive: true, force: true });
  };
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', path]);
    mounted = true;
  } catch (error) {
    remove();
    throw error;
  }
  return { path, remove };
}

const usedBytes = (path: string) => {
  const stats = statfsSync(path);
  return (stats.blocks - stats.bfree) * stats.bsize;
};

for (const mode of ['worker', 'router'] satisfies Mode[]) {
  describe(`a scheduled snapshot that fills the disk (${mode} mode)`, () => {
    let app: Fixture | undefined;
    let mount: ReturnType<typeof smallDisk> | undefined;
    after(async () => {
      await app?.stop();
      mount?.remove();
    });

    async function schedule(query: string): Promise<Record<string, unknown>> {
      // Raw (redact=false, the admin token has heap-raw): V8 then writes the store's partial file itself, the
      // path on which Node leaves its descriptor open; a redacted snapshot goes through our own descriptor.
      const reply = await request(`${app!.url}/heapsnapshot?delay=1s&redact=false${query}`, { token: app!.tokens.admin });
      assert.equal(reply.status, 202, reply.body.toString());
      const id = String(reply.json().id);
      return eventually(async () => {
        const job = (await request(`${app!.url}/dumps/${id}`, { token: app!.tokens.admin })).json();
        return job.status === 'ready' || job.status === 'failed' ? job : undefined;
      }, 120_000, `job ${id} to end`);
    }

    /** With numeric values and internals: well over the plain snapshot of many small objects. */
    const FULL = '&captureNumericValue=true&exposeInternals=true';

    /** The main thread's heap in use after a full GC, as the probe the store's check reads sees it. */
    async function heapUsedAfterGc(): Promise<number> {
      const gc = await request(`${app!.url}/gc`, { token: app!.tokens.admin, method: 'POST' });
      assert.equal(gc.status, 200, gc.body.toString());
      const collectedAt = Date.now();
      return eventually(async () => {
        const memory = (await request(`${app!.url}/memory`, { token: app!.tokens.reader })).json();
        return Date.parse(String(memory.updatedAt)) > collectedAt ? Number(memory.heapUsed) : undefined;
      }, 30_000, 'the probe to read the heap after the GC');
    }

    test('fails, closes and frees its partial file, and the next dump fits', async () => {
      mount = smallDisk('me-full-disk-', '1g');
      const disk = mount.path;
      app = await startFixture({ mode, options: { dumps: { directory: disk, reserveBytes: 0 }, rateLimit: { heavy: { limit: 200 } } } });
      // Many small objects: with numeric values and internals (a node and an edge more each) their snapshot is
      // well over the room the plain one needs.
      await app.command({ cmd: 'grow-objects', count: 600_000 }, 'grown');
      const plain = await schedule('');
      const full = await schedule(FULL);
      for (const job of [plain, full]) {
        assert.equal(job.status, 'ready', String(job.error));
        assert.equal((await request(`${app.url}/dumps/${job.id}`, { token: app.tokens.heap, method: 'DELETE' })).status, 204);
      }
      // A disk with room for the store's check (twice the heap in use) and the plain snapshot, halfway to the full one.
      const need = Math.max(Number(plain.size), 2 * (await heapUsedAfterGc()));
      assert.ok(need * 1.2 < Number(full.size), `the full snapshot (${String(full.size)} bytes) is well over the room the plain one needs (${need})`);
      const size = Math.ceil((need + Number(full.size)) / 2 / 4096) * 4096;
      execFileSync('mount', ['-o', `remount,size=${size}`, disk]);
      const usedBefore = usedBytes(disk);

      for (let attempt = 0; attempt < 2; attempt++) {
        const failed = await schedule(FULL);
        assert.equal(failed.status, 'failed', 'the disk filled');
        assert.match(String(failed.error), /ENOSPC|space/i);
        // The store's owner pipe is held open as long as the store lives, by design; it holds no byte.
        const leftOpen: string[] = openDescriptorTargets(app.child.pid!).filter((target) => target.startsWith(disk) && !/\/owner-[0-9a-f]{12}\.fifo$/.test(target));
        assert.deepEqual(leftOpen, [], 'no descriptor stays open on the store');
        assert.ok(usedBytes(disk) <= usedBefore + 64 * 1024, `the disk is freed (${usedBytes(disk)} bytes used, ${usedBefore} before)`);
      }

      // The failed attempts left garbage V8 may not have collected yet: collect it, so the check is of the disk.
      await heapUsedAfterGc();
      const later = await schedule('');
      assert.equal(later.status, 'ready', `a later dump fits: ${String(later.error)}`);
      assert.equal(app.child.exitCode, null, 'the app is alive');
    });
  });
}

for (const mode of ['worker', 'router'] satisfies Mode[]) {
  describe(`an audit log on a full disk (${mode} mode)`, () => {
    let app: Fixture | undefined;
    let mount: ReturnType<typeof smallDisk> | undefined;
    after(async () => {
      await app?.stop();
      mount?.remove();
    });

    test('holds back the lines it cannot write (up to 1 MiB), never the requests nor the app; writes again once there is room', async () => {
      mount = smallDisk('me-full-log-', '256k');
      const disk = mount.path;
      const auditLog = join(disk, 'audit.log');
      app = await startFixture({ mode, options: { auditLog } });
      assert.equal((await request(`${app.url}/memory`, { token: app.tokens.reader })).status, 200);
      const filler = fill(disk);

      // A refusal (written in full, the client's first), then answers until the log's last page is full too
      // (tmpfs has room left in it) and lines stop landing.
      assert.equal((await request(`${app.url}/memory`)).status, 401);
      const sizes: number[] = [];
      for (let i = 0; i < 60; i++) {
        assert.equal((await request(`${app.url}/memory`, { token: app.tokens.reader })).status, 200);
        sizes.push(statSync(auditLog).size);
      }
      assert.equal(sizes.at(-1), sizes.at(-20), 'the last lines could not be written');
      assert.equal((await request(app.appUrl)).status, 200, 'the app answers');
      assert.equal(app.child.exitCode, null, 'the app is alive');
      assert.equal(app.child.signalCode, null);

      rmSync(filler);
      await eventually(async () => {
        const reply = await request(`${app!.url}/whoami`, { token: app!.tokens.reader });
        return reply.status === 200 && readFileSync(auditLog, 'utf8').includes('"/ops/whoami"');
      }, 30_000, 'a line written once there is room');
      assert.equal(app.child.exitCode, null, 'the app is alive');
    });
  });
}
