import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ownInstanceMarker, parseInstanceMarker } from '../src/process/process-instance.js';
import { privateDirPrefix, PROCESS_STARTED_AT, sweepLeftovers } from '../src/streaming/private-dirs.js';
import { startFixture, stopChild } from './helpers/fixture.js';
import { eventually, openStream, request } from './helpers/http.js';

/** The endpoint's private directories in `dir`, by the pid their name carries. */
function privateDirsOf(dir: string, pid: number): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('maintenance-endpoint-') && name.includes(`-${pid}-`));
}

describe('kill-safety: a record even when killed, no file left behind', () => {
  const shared = mkdtempSync(join(tmpdir(), 'me-kill-'));
  after(() => rmSync(shared, { recursive: true, force: true }));

  test('a snapshot whose process is SIGKILLed mid-way still has its audit line saying who asked', async () => {
    const app = await startFixture({ mode: 'worker' });
    try {
      await app.command({ cmd: 'grow-objects', count: 1_500_000 }, 'grown');
      // The client reads nothing, so the download cannot end before the kill however fast V8 is.
      const download = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
      await eventually(async () => {
        const index = (await request(`${app.url}/`, { token: app.tokens.reader })).json();
        return index.operations.some((op: { kind: string }) => op.kind === 'heapsnapshot');
      }, 20_000, 'the snapshot to be under way');
      await stopChild(app.child, 'SIGKILL');
      const lines = app.auditLines().filter((line) => line.path === '/ops/heapsnapshot');
      const started = lines.find((line) => line.event === 'started');
      assert.ok(started, 'a line written when the snapshot started');
      assert.equal(started.tokenId, 'heap');
      assert.equal(lines.filter((line) => line.event === undefined).length, 0, 'no line claims the request ended');
      download.destroy();
    } finally {
      await app.stop();
    }
  });

  test("a SIGKILLed process's dump store is swept by the next start, another live process's is not", async () => {
    const env = { TMPDIR: shared };
    const first = await startFixture({ mode: 'worker', env });
    // A failed second start must not leave the first running: the test file would never exit.
    const live = await startFixture({ mode: 'worker', env }).catch(async (error: unknown) => {
      await first.stop();
      throw error;
    });
    try {
      const job = (await request(`${first.url}/heapsnapshot?delay=1`, { token: first.tokens.admin })).json();
      await eventually(async () => (await request(`${first.url}/dumps/${job.id}`, { token: first.tokens.reader })).json().status === 'ready');
      const firstPid = first.child.pid!;
      assert.equal(privateDirsOf(shared, firstPid).length, 1, 'the store is there while its process lives');
      await stopChild(first.child, 'SIGKILL');
      assert.equal(privateDirsOf(shared, firstPid).length, 1, 'a process killed by SIGKILL runs no exit handler');
      const next = await startFixture({ mode: 'router', env });
      try {
        assert.deepEqual(privateDirsOf(shared, firstPid), [], 'the next start removed it');
        assert.equal(privateDirsOf(shared, live.child.pid!).length, 1, "a live process's store is left alone");
      } finally {
        await next.stop();
      }
    } finally {
      await first.stop();
      await live.stop();
    }
  });

  test("a directory with this process's own pid is a previous life's when its marker names another start (a restarted container is pid 1 again)", () => {
    const parent = mkdtempSync(join(shared, 'own-pid-'));
    const marker = parseInstanceMarker(ownInstanceMarker())!;
    const previousLife = join(parent, `maintenance-endpoint-dumps-${process.pid}-${marker.space}t${(marker.startTicks - 1).toString(36)}-previous`);
    const thisLife = join(parent, `${privateDirPrefix('dumps')}current`);
    mkdirSync(previousLife);
    mkdirSync(thisLife);
    // Dated before this start or not, what this process made is its own by its marker.
    const before = new Date(PROCESS_STARTED_AT - 60_000);
    utimesSync(thisLife, before, before);
    assert.deepEqual(sweepLeftovers([parent]), [previousLife]);
    assert.deepEqual(readdirSync(parent), [thisLife.slice(parent.length + 1)], 'what this process made is left alone');
  });

  for (const mode of ['router', 'worker'] as const) {
    test(`${mode} mode removes its store on a SIGTERM the app does not handle, and still ends by that signal`, async () => {
      const app = await startFixture({ mode, env: { TMPDIR: shared, FIXTURE_KEEP_DEFAULT_SIGNALS: '1' } });
      try {
        const pid = app.child.pid!;
        assert.equal(privateDirsOf(shared, pid).length, 1);
        const exited = new Promise<NodeJS.Signals | null>((resolve) => app.child.once('exit', (_code, signal) => resolve(signal)));
        app.child.kill('SIGTERM');
        assert.equal(await exited, 'SIGTERM', 'the process ends as it would have without the endpoint');
        assert.deepEqual(privateDirsOf(shared, pid), []);
      } finally {
        await app.stop();
      }
    });
  }
});
