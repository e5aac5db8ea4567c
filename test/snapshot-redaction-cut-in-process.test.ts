import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { SnapshotCut } from './fixtures/cut-heap-snapshots.js';
import { dataFilesIn, startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, openStream, readAll, request } from './helpers/http.js';

/**
 * A heap snapshot that V8 does not deliver whole, in worker and router mode, where V8 writes it into a named
 * pipe the endpoint reads (the main thread's, read on the server's thread in worker mode or drained by a reader
 * thread in router mode; a worker thread's with `?thread=ID`). The source is the thread's own
 * `v8.writeHeapSnapshot`, replaced by the app (fixtures/cut-heap-snapshots.ts) with one that passes a real
 * snapshot on cut short and returns as if whole, with a stray byte in it, or cut and then failing as V8 does on
 * a write error. Whatever the redaction has passed on by then, the download must end cut off (no last chunk;
 * gzip: no gzip end), plain and gzip, and a scheduled dump must fail and keep no file; never a file that looks
 * whole. And a worker thread terminated while its snapshot streams: V8 serializes in native code, which
 * termination does not interrupt, so that snapshot arrives whole; whatever arrives complete must be whole.
 */

/** Bytes of the body to have read before the worker thread is terminated: well into its snapshot. */
const READ_BEFORE_TERMINATE = 256 * 1024;

interface Outcome {
  /** How the body ended: `complete` only when the server marked its end. */
  how: string;
  body: Buffer;
}

/** Reads a response to its end, however it ends. */
function outcomeOf(res: IncomingMessage, onData: (received: number) => void = () => {}): Promise<Outcome> {
  const chunks: Buffer[] = [];
  let received = 0;
  return new Promise((resolve) => {
    const done = (how: string) => resolve({ how, body: Buffer.concat(chunks) });
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      onData(received);
    });
    res.on('error', (error) => done(`error: ${error.message}`));
    res.on('aborted', () => done('aborted'));
    res.on('end', () => done(res.complete ? 'complete' : 'incomplete'));
    res.resume();
  });
}

/** The JSON text of what arrived, gzip decoded as far as it goes. */
function textOf(body: Buffer, gzip: boolean): string {
  return (gzip ? gunzipSync(body, { finishFlush: 2 /* Z_SYNC_FLUSH: read what is there */ }) : body).toString('utf8');
}

/** A whole snapshot: JSON that parses, with every node and edge its header announces. */
function assertWholeSnapshot(text: string): void {
  const snapshot = JSON.parse(text) as { snapshot: { meta: { node_fields: string[]; edge_fields: string[] }; node_count: number; edge_count: number }; nodes: number[]; edges: number[] };
  const { meta, node_count, edge_count } = snapshot.snapshot;
  assert.equal(snapshot.nodes.length, node_count * meta.node_fields.length, 'every node is present');
  assert.equal(snapshot.edges.length, edge_count * meta.edge_fields.length, 'every edge is present');
}

/** How V8's stream goes wrong; `reportsSuccess`: its write returns as if all was well, so only the redaction can tell. */
const CUTS: Array<{ name: string; cut: NonNullable<SnapshotCut>; reportsSuccess: boolean; error: RegExp }> = [
  { name: 'stops halfway and returns as if whole', cut: { how: 'truncate', at: 0.5 }, reportsSuccess: true, error: /truncated/ },
  { name: 'has a stray byte among the edges', cut: { how: 'malform' }, reportsSuccess: true, error: /"edges" holds something other than non-negative integers/ },
  { name: 'stops halfway with a write error', cut: { how: 'fail', at: 0.5 }, reportsSuccess: false, error: /EIO/ },
];

for (const mode of ['worker', 'router'] as const) {
  describe(`a redacted snapshot that V8 does not deliver whole (${mode} mode)`, () => {
    let app: Fixture;
    let workerId: number;
    before(async () => {
      app = await startFixture({ mode, script: 'threads-app.js', options: { rateLimit: { heavy: { limit: 100 } } } });
      const threads = (await request(`${app.url}/threads`, { token: app.tokens.admin })).json<{ threads: Array<{ id: number; name: string }> }>().threads;
      workerId = threads.find((thread) => thread.name === 'renderer')!.id;
    });
    after(() => app?.stop());

    /** The audit lines of snapshot downloads (not the operations' own lines, nor scheduling requests). */
    const downloadLines = () => app.auditLines().filter((line) => String(line.path).endsWith('/heapsnapshot') && line.msg === 'request' && line.status !== 202);

    /** Has the main thread (0) or the worker cut its snapshots as asked (undefined: V8's own again). */
    const cutSnapshots = (thread: number, cut: SnapshotCut) =>
      thread === 0 ? app.command({ cmd: 'cut-snapshots', cut }, 'snapshots-cut') : app.command({ cmd: 'thread-cut-snapshots', cut }, 'thread-snapshots-cut');

    for (const thread of ['main', 'worker'] as const) {
      const query = () => (thread === 'main' ? '' : `&thread=${workerId}`);
      const threadId = () => (thread === 'main' ? 0 : workerId);
      for (const { name, cut, reportsSuccess, error } of CUTS) {
        for (const encoding of ['identity', 'gzip'] as const) {
          test(`the ${thread} thread's snapshot ${name}: the download (${encoding}) ends as an error`, async () => {
            await cutSnapshots(threadId(), cut);
            const downloadsBefore = downloadLines().length;
            let res: IncomingMessage;
            let outcome: Outcome;
            try {
              res = await openStream(`${app.url}/heapsnapshot?redact=true${query()}`, app.tokens.heap, { 'accept-encoding': encoding });
              outcome = await outcomeOf(res);
            } finally {
              await cutSnapshots(threadId(), undefined);
            }
            const line = await eventually(async () => downloadLines()[downloadsBefore], 20_000, 'the audit line');
            if (res.statusCode !== 200) {
              // V8 failed before any byte reached the client: a JSON error, whose status says it.
              assert.equal(reportsSuccess, false, `V8 said all was well, so only the redaction could tell, and it had passed bytes on: ${res.statusCode}`);
              assert.equal(res.statusCode, 500);
              assert.equal(outcome.how, 'complete');
              // A 500 names no internals; the endpoint's log says what failed.
              assert.equal(JSON.parse(outcome.body.toString('utf8')).error.code, 'INTERNAL_ERROR');
              assert.match(String(app.auditLines().filter((entry) => entry.msg === 'request failed').at(-1)?.detail), /v8\.writeHeapSnapshot failed in the target: Error: EIO/);
              assert.equal(line.status, 500);
              return;
            }
            assert.equal(res.headers['content-encoding'], encoding === 'gzip' ? 'gzip' : undefined);
            assert.equal(res.headers['transfer-encoding'], 'chunked', 'a streamed body, whose end the server must mark');
            assert.notEqual(outcome.how, 'complete', 'the chunked body was terminated as if whole');
            const text = textOf(outcome.body, encoding === 'gzip');
            // A gzip body may have gone no further than its gzip header: zlib compresses on the thread pool, and
            // the response is cut when the error comes, with what zlib had not yet given back. Identity bytes
            // go out as they pass, so there some came whenever V8 said all was well.
            if (text !== '' || (reportsSuccess && encoding === 'identity')) assert.ok(text.startsWith('{"snapshot":'), 'the bytes that came are the start of a snapshot');
            assert.throws(() => JSON.parse(text), SyntaxError);
            if (encoding === 'gzip') assert.throws(() => gunzipSync(outcome.body), /unexpected end of file/, 'the gzip stream has no end');
            assert.equal(line.completed, false, 'the audit line says the response did not complete');
          });
        }

        test(`the ${thread} thread's snapshot ${name}: a scheduled dump fails and keeps no file`, async () => {
          await cutSnapshots(threadId(), cut);
          let id: string;
          try {
            const scheduled = await request(`${app.url}/heapsnapshot?delay=1s${query()}`, { token: app.tokens.heap });
            assert.equal(scheduled.status, 202, scheduled.body.toString());
            ({ id } = scheduled.json<{ id: string }>());
            const job = await eventually(async () => {
              const record = (await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json<{ status: string; error?: string }>();
              return ['scheduled', 'running'].includes(record.status) ? undefined : record;
            }, 120_000, 'the dump to end');
            assert.equal(job.status, 'failed', `the dump ended ${job.status}`);
            assert.match(job.error ?? '', error);
          } finally {
            await cutSnapshots(threadId(), undefined);
          }
          assert.equal((await request(`${app.url}/dumps/${id}/file`, { token: app.tokens.admin })).status === 200, false, 'no file is served');
          assert.deepEqual(dataFilesIn(app.tmpdir), [], 'no partial file, spill file or copy is left');
        });
      }
    }

    test("the endpoint is whole afterwards: each thread's next snapshot downloads whole, plain and gzip", async () => {
      for (const query of ['', `&thread=${workerId}`]) {
        for (const encoding of ['identity', 'gzip'] as const) {
          const res = await openStream(`${app.url}/heapsnapshot?redact=true${query}`, app.tokens.heap, { 'accept-encoding': encoding });
          assert.equal(res.statusCode, 200);
          assertWholeSnapshot(textOf(await readAll(res), encoding === 'gzip'));
        }
      }
      assert.equal(app.child.exitCode, null, 'the app is alive');
    });

    test('a worker thread terminated while its snapshot streams: what arrives complete is whole', async () => {
      // A heap large enough that its snapshot lasts seconds, so the termination falls inside it.
      await app.command({ cmd: 'thread-hold', count: 300_000 }, 'thread-holding');
      const res = await openStream(`${app.url}/heapsnapshot?thread=${workerId}`, app.tokens.heap, { 'accept-encoding': 'identity' });
      assert.equal(res.statusCode, 200);
      let terminating: Promise<unknown> | undefined;
      const { how, body } = await outcomeOf(res, (received) => {
        if (received >= READ_BEFORE_TERMINATE) terminating ??= app.command({ cmd: 'thread-terminate', ms: 0 }, 'thread-terminating');
      });
      assert.ok(terminating, 'the worker was terminated while its snapshot streamed');
      await terminating;
      if (how === 'complete') assertWholeSnapshot(body.toString('utf8'));
      else assert.throws(() => JSON.parse(body.toString('utf8')), SyntaxError, 'an incomplete body is no snapshot either');
      assert.equal(app.child.exitCode, null, 'the app is alive');
      await eventually(async () => (await request(`${app.url}/threads`, { token: app.tokens.admin })).json<{ threads: unknown[] }>().threads.length === 1, 20_000, 'the terminated worker to leave the list');
    });
  });
}
