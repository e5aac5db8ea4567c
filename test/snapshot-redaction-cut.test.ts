import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startSidecar, type Sidecar } from './helpers/cli.js';
import { startFixture, stopChild, type Fixture } from './helpers/fixture.js';
import { eventually, openStream, request } from './helpers/http.js';

/** Bytes of the body to have read before the target is killed: well into the snapshot, far from its end. */
const READ_BEFORE_KILL = 256 * 1024;

/** The partial files of the sidecar's dump store, with their sizes. */
function partialFiles(dir: string): Array<{ path: string; size: number }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.partial'))
    .map((name) => ({ path: join(dir, name), size: statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0 }));
}

/**
 * A sidecar whose target is SIGKILLed while a redacted snapshot streams from it: the response must end as an
 * error (the chunked body never terminated, the connection cut), plain and gzip, never as a file that looks
 * whole; a scheduled dump must be failed, with no file kept. Each case has a target of its own (it dies) with
 * a million small objects, so the snapshot lasts seconds.
 */
describe('a redacted snapshot cut by the death of the sidecar\'s target', () => {
  let app: Fixture;
  let sidecar: Sidecar;
  before(async () => {
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`, '--follow-restarts']);
  });
  after(async () => {
    await sidecar?.stop();
    await app?.stop();
  });

  /** A fresh large target on the same inspector port, once the sidecar serves it. */
  async function freshTarget(): Promise<void> {
    const port = app.inspectorPort!;
    await app.stop();
    app = await startFixture({ mode: 'plain', nodeArgs: [`--inspect=127.0.0.1:${port}`] });
    await eventually(async () => (await request(`${sidecar.url}/`, { token: sidecar.token })).json<{ pid?: number }>().pid === app.child.pid, 30_000, 'the sidecar to serve the new target');
    await app.command({ cmd: 'grow-objects', count: 1_000_000 }, 'grown');
  }

  for (const encoding of ['identity', 'gzip'] as const) {
    test(`a download (${encoding}) ends cut off, never terminated as a whole file`, async () => {
      await freshTarget();
      const res = await openStream(`${sidecar.url}/heapsnapshot`, sidecar.token, { 'accept-encoding': encoding });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-encoding'], encoding === 'gzip' ? 'gzip' : undefined);
      assert.equal(res.headers['transfer-encoding'], 'chunked', 'a streamed body, whose end the server must mark');
      const chunks: Buffer[] = [];
      let received = 0;
      const outcome = new Promise<string>((resolve) => {
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
        });
        res.on('error', (error) => resolve(`error: ${error.message}`));
        res.on('aborted', () => resolve('aborted'));
        res.on('end', () => resolve(res.complete ? 'complete' : 'incomplete'));
      });
      res.resume();
      await eventually(async () => received >= READ_BEFORE_KILL, 120_000, 'the first bytes of the snapshot');
      await stopChild(app.child, 'SIGKILL');
      const how = await outcome;
      assert.notEqual(how, 'complete', 'the chunked body was terminated as if whole');
      assert.equal(res.complete, false);
      // What did arrive is no snapshot: its JSON (gzip decoded, as far as it goes) does not close.
      const body = Buffer.concat(chunks);
      const text = encoding === 'gzip' ? gunzipSync(body, { finishFlush: 2 /* Z_SYNC_FLUSH: read what is there */ }).toString('utf8') : body.toString('utf8');
      assert.ok(text.startsWith('{"snapshot":'), 'the bytes that came are the start of a snapshot');
      assert.throws(() => JSON.parse(text), SyntaxError);
    });
  }

  test('a scheduled dump is failed, and no file is kept', async () => {
    await freshTarget();
    const scheduled = await request(`${sidecar.url}/heapsnapshot?delay=1s`, { token: sidecar.token });
    assert.equal(scheduled.status, 202);
    const { id } = scheduled.json<{ id: string }>();
    await eventually(async () => partialFiles(sidecar.dir).some((file) => file.size >= READ_BEFORE_KILL), 120_000, 'the dump to be under way');
    await stopChild(app.child, 'SIGKILL');
    const job = await eventually(async () => {
      const record = (await request(`${sidecar.url}/dumps/${id}`, { token: sidecar.token })).json<{ status: string; error?: string }>();
      return record.status === 'running' ? undefined : record;
    }, 60_000, 'the dump to end');
    assert.equal(job.status, 'failed', `the dump ended ${job.status}`);
    assert.ok(job.error, 'and says why');
    const file = await request(`${sidecar.url}/dumps/${id}/file`, { token: sidecar.token });
    assert.notEqual(file.status, 200);
    assert.deepEqual(partialFiles(sidecar.dir), [], 'the partial file is removed');
  });
});
