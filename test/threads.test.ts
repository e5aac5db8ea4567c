import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { CpuProfile } from '../src/operations/cpu-profile.js';
import type { ThreadFigures } from '../src/operations/thread-list.js';
import { freePort, startSidecar, type Sidecar } from './helpers/cli.js';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { shareOfSamplesIn } from './helpers/cpu-profile.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, openStream, postJson, readAll, request } from './helpers/http.js';

interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[] }; node_count: number; edge_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Parses a snapshot with JSON.parse alone and checks every node and edge the header announces is there. */
function wholeSnapshot(body: Buffer): HeapSnapshotJson {
  const snapshot = JSON.parse(body.toString('utf8')) as HeapSnapshotJson;
  const { meta, node_count, edge_count } = snapshot.snapshot;
  assert.equal(snapshot.nodes.length, node_count * meta.node_fields.length, 'every node is present');
  assert.equal(snapshot.edges.length, edge_count * meta.edge_fields.length, 'every edge is present');
  return snapshot;
}

/** The app's live threads, as /threads lists them. */
async function liveThreads(under: Under): Promise<ThreadFigures[]> {
  return (await request(`${under.url}/threads`, { token: under.token })).json<{ threads: ThreadFigures[] }>().threads;
}

/** Share of samples whose stack contains `name` anywhere. */
interface Under {
  app: Fixture;
  url: string;
  token: string;
  sidecar?: Sidecar;
}

/** The audit lines of whatever serves the API: the app's endpoint, or the sidecar. */
function auditLines(under: Under): Array<Record<string, any>> {
  if (under.sidecar === undefined) return under.app.auditLines();
  return readFileSync(join(under.sidecar.dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
}

async function start(mode: Mode | 'sidecar'): Promise<Under> {
  if (mode !== 'sidecar') {
    const app = await startFixture({ mode, script: 'threads-app.js', nodeArgs: KEEP_FUNCTION_NAMES, options: { rateLimit: { heavy: { limit: 100 } }, eval: { enabled: true } } });
    return { app, url: app.url, token: app.tokens.admin };
  }
  const app = await startFixture({ mode: 'plain', script: 'threads-app.js', nodeArgs: [...KEEP_FUNCTION_NAMES, '--inspect=127.0.0.1:0'] });
  const sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`, '--eval'], { scopes: ['read', 'heap', 'profile', 'eval'], moreTokens: 20 });
  return { app, url: sidecar.url, token: sidecar.token, sidecar };
}

for (const mode of ['worker', 'router', 'sidecar'] as const) {
  describe(`worker threads of the app (${mode} mode)`, () => {
    let under: Under;
    let renderer: ThreadFigures;
    before(async () => {
      under = await start(mode);
      // Set here too, so a test run alone (--test-name-pattern) knows the worker.
      renderer = (await liveThreads(under)).find((thread) => thread.name === 'renderer')!;
    });
    // The sidecar's heavy-rate limit (10 a minute per token) is not configurable: each test takes a token of its own.
    beforeEach(() => {
      if (under.sidecar !== undefined) under.token = under.sidecar.moreTokens.shift() ?? under.token;
    });
    after(async () => {
      await under.sidecar?.stop();
      await under.app.stop();
    });
    const get = (path: string) => request(`${under.url}${path}`, { token: under.token });

    test('/threads lists the main thread and the app worker with their heaps, and nothing of the endpoint', async () => {
      const reply = await get('/threads');
      assert.equal(reply.status, 200);
      const { threads } = reply.json<{ threads: ThreadFigures[] }>();
      assert.deepEqual(threads.map((thread) => thread.name), ['main', 'renderer'], JSON.stringify(threads));
      const [main, worker] = threads as [ThreadFigures, ThreadFigures];
      renderer = worker;
      assert.equal(main.id, 0);
      assert.ok(worker.id > 0);
      assert.match(worker.url, /^file:\/\/.*\/thread-worker\.js$/);
      assert.match(main.url, /^file:\/\/.*\/threads-app\.js$/);
      for (const thread of threads) {
        assert.equal(thread.responsive, true);
        assert.ok(thread.heapUsedBytes! > 0 && thread.heapTotalBytes! >= thread.heapUsedBytes!, JSON.stringify(thread));
        assert.ok(thread.eventLoopUtilization!.utilization >= 0 && thread.eventLoopUtilization!.utilization <= 1);
      }
    });

    test('an unknown thread is a 404 listing the live ids; a malformed one a 400', async () => {
      for (const path of ['/stack?thread=99999', '/cpuprofile?seconds=1&thread=99999']) {
        const reply = await get(path);
        assert.equal(reply.status, 404, path);
        const { error } = reply.json<{ error: { code: string; threads: number[] } }>();
        assert.equal(error.code, 'THREAD_NOT_FOUND');
        assert.deepEqual(error.threads, [0, renderer.id]);
      }
      assert.equal((await get('/stack?thread=main')).status, 400);
    });

    test("/cpuprofile?thread=ID puts most samples in the worker's hot function", async () => {
      await under.app.command({ cmd: 'thread-work' }, 'thread-working');
      const reply = await get(`/cpuprofile?seconds=2&thread=${renderer.id}`);
      const rested = under.app.command({ cmd: 'thread-rest' }, 'thread-rested');
      assert.equal(reply.status, 200, reply.body.toString());
      const profile = reply.json<CpuProfile>();
      const share = shareOfSamplesIn(profile, 'workerHotFunction');
      assert.ok(share > 0.5, `workerHotFunction is on ${Math.round(share * 100)}% of samples`);
      assert.equal(shareOfSamplesIn(profile, 'hotFunction'), 0, "the main thread's functions are not in it");
      await rested;
    });

    test('/stack?thread=ID names the function a worker is stuck in, while it is stuck, within a second', async () => {
      let unlooped = false;
      await under.app.command({ cmd: 'thread-loop', ms: 8000 }, 'thread-looping');
      const ended = under.app.command({ cmd: 'nothing' }, 'thread-unlooped').then(() => (unlooped = true));
      const reply = await get(`/stack?thread=${renderer.id}`);
      assert.equal(unlooped, false, 'answered while the worker was still in its loop');
      assert.equal(reply.status, 200);
      const stack = reply.json<{ thread: number; state: string; latencyMs: number; frames: Array<{ functionName: string }> }>();
      assert.equal(stack.thread, renderer.id);
      assert.equal(stack.state, 'running', JSON.stringify(stack));
      assert.equal(stack.frames[0]!.functionName, 'stuckInWorkerLoop');
      assert.ok(stack.latencyMs < 1000, `answered in ${stack.latencyMs} ms`);
      const text = (await request(`${under.url}/stack?format=text&thread=${renderer.id}`, { token: under.token })).body.toString();
      assert.match(text, new RegExp(`^Worker thread ${renderer.id} of process \\d+ .*\\n    at stuckInWorkerLoop `));
      await ended;
    });

    test("/heapsnapshot?thread=ID holds the worker's marker objects and the main thread's snapshot does not", async () => {
      const worker = wholeSnapshot((await get(`/heapsnapshot?thread=${renderer.id}`)).body);
      assert.ok(worker.strings.includes('WorkerThreadMarker'), "the worker's marker class");
      // Redacted by default, a worker's snapshot as much as the main thread's: the marker's string value is gone.
      assert.ok(!worker.strings.some((text) => text.includes('worker-999')), "the worker's marker value is redacted");
      assert.ok(!worker.strings.includes('PlantedMarker'), "none of the main thread's");
      const main = wholeSnapshot((await get('/heapsnapshot')).body);
      assert.ok(main.strings.includes('PlantedMarker'), "the main thread's markers");
      assert.ok(!main.strings.includes('WorkerThreadMarker'), "none of the worker's");
    });

    test("/memory?thread=ID and POST /gc?thread=ID read and collect the worker's own heap", async () => {
      const memory = (await get(`/memory?thread=${renderer.id}`)).json<{ thread: number; source: string; heapUsed: number }>();
      assert.equal(memory.thread, renderer.id);
      assert.equal(memory.source, 'inspector');
      const listed = (await liveThreads(under)).find((thread) => thread.id === renderer.id)!;
      // The same isolate's heap, read twice a moment apart: of one order, not the main thread's.
      assert.ok(memory.heapUsed > 0 && memory.heapUsed < 4 * listed.heapTotalBytes!, `${memory.heapUsed} vs ${listed.heapTotalBytes}`);
      const gc = await request(`${under.url}/gc?thread=${renderer.id}`, { token: under.token, method: 'POST' });
      assert.equal(gc.status, 200, gc.body.toString());
      assert.ok(gc.json<{ before: { usedSize: number } }>().before.usedSize > 0);
    });

    test("/eval?thread=ID evaluates in the worker's global scope; its own timeout stops it and the worker goes on", async () => {
      const evaluate = (expression: string, thread?: number, timeoutMs = 1000) => postJson(`${under.url}/eval${thread === undefined ? '' : `?thread=${thread}`}`, under.token, { expression, timeoutMs });
      const inWorker = await evaluate('`${typeof workerMarkers}:${workerMarkers.length}`', renderer.id);
      assert.equal(inWorker.status, 200, inWorker.body.toString());
      assert.deepEqual(inWorker.json<{ result: unknown }>().result, { type: 'string', value: 'object:1000' });
      assert.deepEqual((await evaluate('typeof workerMarkers')).json<{ result: unknown }>().result, { type: 'string', value: 'undefined' }, 'not on the main thread');
      // V8 stops an evaluation at its timeout with the words it uses for a terminated worker: still a timeout.
      const spinning = await evaluate('for (;;) {}', renderer.id, 300);
      assert.equal(spinning.status, 504, spinning.body.toString());
      assert.equal(spinning.json<{ error: { code: string } }>().error.code, 'EVALUATION_TIMEOUT');
      assert.deepEqual((await evaluate('workerMarkers.length', renderer.id)).json<{ result: unknown }>().result, { type: 'number', value: 1000 }, 'the worker goes on');
      const completions = await postJson(`${under.url}/eval/completions?thread=${renderer.id}`, under.token, { prefix: 'workerMa' });
      assert.deepEqual(completions.json<{ completions: string[] }>().completions, ['workerMarkers']);
      assert.equal((await evaluate('1', 99999)).status, 404);
    });

    test("a scheduled dump with ?thread=ID is taken of the worker; the triggers that watch the main thread's heap are refused", async () => {
      const scheduled = await get(`/heapsnapshot?thread=${renderer.id}&delay=1`);
      assert.equal(scheduled.status, 202, scheduled.body.toString());
      const job = scheduled.json<{ id: string; thread: number }>();
      assert.equal(job.thread, renderer.id);
      await eventually(async () => {
        const { status, error } = (await get(`/dumps/${job.id}`)).json<{ status: string; error: string | null }>();
        assert.notEqual(status, 'failed', error ?? '');
        return status === 'ready';
      }, 60_000, 'the scheduled snapshot');
      const snapshot = wholeSnapshot((await get(`/dumps/${job.id}/file`)).body);
      assert.ok(snapshot.strings.includes('WorkerThreadMarker'), "the worker's marker class");
      assert.ok(!snapshot.strings.includes('PlantedMarker'), "none of the main thread's");
      for (const when of ['gc', 'heap-above:90%', 'near-heap-limit']) {
        const refused = await get(`/heapsnapshot?thread=${renderer.id}&when=${when}`);
        assert.equal(refused.status, 400, `${when}: ${refused.body.toString()}`);
      }
      const unknown = await get('/heapsnapshot?thread=99999&delay=60');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json<{ error: { threads: number[] } }>().error.threads, [0, renderer.id]);
    });

    test('a worker that exits during an evaluation or a scheduled profile ends them with THREAD_EXITED; the app lives on', async () => {
      await under.app.command({ cmd: 'thread-terminate', ms: 1000 }, 'thread-terminating');
      const evaluation = await postJson(`${under.url}/eval?thread=${renderer.id}`, under.token, { expression: 'for (;;) {}', timeoutMs: 5000 });
      assert.equal(evaluation.status, 410, evaluation.body.toString());
      assert.equal(evaluation.json<{ error: { code: string } }>().error.code, 'THREAD_EXITED');
      await under.app.command({ cmd: 'thread-start' }, 'thread-started');
      renderer = await eventually(async () => (await liveThreads(under)).find((thread) => thread.name === 'renderer'), 20_000, 'the new worker');

      const job = (await get(`/cpuprofile?thread=${renderer.id}&delay=1&seconds=5`)).json<{ id: string }>();
      await eventually(async () => (await get(`/dumps/${job.id}`)).json<{ status: string }>().status === 'running', 20_000, 'the profile to start');
      await under.app.command({ cmd: 'thread-exit', ms: 500 }, 'thread-exiting');
      const failed = await eventually(async () => {
        const dump = (await get(`/dumps/${job.id}`)).json<{ status: string; error: string | null }>();
        return dump.status !== 'running' && dump;
      }, 20_000, 'the profile to end');
      assert.equal(failed.status, 'failed');
      assert.match(failed.error!, new RegExp(`^Worker thread ${renderer.id} \\(renderer\\) exited during `));
      assert.equal(under.app.child.exitCode, null, 'the app is alive');
      await under.app.command({ cmd: 'thread-start' }, 'thread-started');
      renderer = await eventually(async () => (await liveThreads(under)).find((thread) => thread.name === 'renderer'), 20_000, 'the new worker');
    });

    test("each thread has its own slot: a worker's snapshot and the main thread's run at once, two of the worker's do not; each is admitted on its own heap", async () => {
      // More objects in the worker than the main thread holds: a bigger heap, and a snapshot that outlasts the socket's buffers.
      await under.app.command({ cmd: 'thread-hold', count: 200_000 }, 'thread-holding');
      try {
        const held = await openStream(`${under.url}/heapsnapshot?thread=${renderer.id}`, under.token);
        assert.equal(held.statusCode, 200);
        const refused = await get(`/heapsnapshot?thread=${renderer.id}`);
        assert.equal(refused.status, 409, 'a second snapshot of the same worker waits its turn');
        assert.match(refused.json<{ error: { message: string } }>().error.message, new RegExp(`heapsnapshot of worker thread ${renderer.id} is already running`));
        const main = await get('/heapsnapshot');
        assert.equal(main.status, 200, main.body.toString().slice(0, 300));
        assert.ok(wholeSnapshot(main.body).strings.includes('PlantedMarker'));
        assert.equal((await get(`/heapsnapshot?thread=${renderer.id}`)).status, 409, "the worker's snapshot was still running all along");
        const worker = wholeSnapshot(await readAll(held));
        assert.ok(worker.strings.includes('WorkerThreadMarker'));
      } finally {
        await under.app.command({ cmd: 'thread-hold', count: 0 }, 'thread-holding');
      }
      const admitted = (thread: number | undefined) =>
        auditLines(under).filter((line) => line.admission !== undefined && line.path?.endsWith('/heapsnapshot') && line.params?.thread === thread).at(-1)!.admission.estimateBytes as number;
      // Estimated from each thread's own heap: the worker's holds the 200,000 objects, the main thread's does not.
      assert.ok(admitted(renderer.id) > admitted(undefined) + 10 * 2 ** 20, `worker ${admitted(renderer.id)}, main ${admitted(undefined)}`);
    });

    test('/metrics has per-thread series labelled thread: each thread\'s heap and loop, and the operations a worker runs', async () => {
      /** The value of `name` on the line whose labels include each of `labels`. */
      const value = (text: string, name: string, labels: string[]) => {
        const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && labels.every((label) => candidate.includes(label)));
        return line === undefined ? undefined : Number(line.split(' ').at(-1));
      };
      const text = (await get('/metrics')).body.toString();
      const mainHeap = value(text, 'maintenance_endpoint_thread_heap_used_bytes', ['thread="0"', 'name="main"']);
      const workerHeap = value(text, 'maintenance_endpoint_thread_heap_used_bytes', [`thread="${renderer.id}"`, 'name="renderer"']);
      assert.ok(mainHeap! > 0 && workerHeap! > 0 && mainHeap !== workerHeap, text);
      assert.ok(value(text, 'maintenance_endpoint_thread_heap_total_bytes', [`thread="${renderer.id}"`])! >= workerHeap!);
      const utilization = value(text, 'maintenance_endpoint_thread_event_loop_utilization', [`thread="${renderer.id}"`])!;
      assert.ok(utilization >= 0 && utilization <= 1);
      assert.equal(value(text, 'maintenance_endpoint_operations_in_progress', ['kind="cpuprofile"', 'thread="0"']), 0);

      const profile = get(`/cpuprofile?seconds=3&thread=${renderer.id}`);
      const during = await eventually(async () => {
        const scraped = (await get('/metrics')).body.toString();
        return value(scraped, 'maintenance_endpoint_operations_in_progress', ['kind="cpuprofile"', `thread="${renderer.id}"`]) === 1 && scraped;
      }, 20_000, "the worker's profile in the metrics");
      assert.equal(value(during, 'maintenance_endpoint_operations_in_progress', ['kind="cpuprofile"', 'thread="0"']), 0, "not the main thread's");
      assert.equal((await profile).status, 200);
    });

    test("the endpoint's own helper threads never show: /threads lists main and the app's worker while main-thread snapshots run", async () => {
      const seen = new Set<string>();
      let snapshotting = true;
      const polling = (async () => {
        while (snapshotting) for (const thread of await liveThreads(under)) seen.add(`${thread.id}:${thread.name}`);
      })();
      try {
        // Router mode drains a main-thread snapshot's pipe through a reader thread of its own, started from the app's main thread.
        for (let round = 0; round < 3; round++) {
          const reply = await get('/heapsnapshot');
          assert.equal(reply.status, 200);
        }
      } finally {
        snapshotting = false;
        await polling;
      }
      assert.deepEqual([...seen].sort(), [`0:main`, `${renderer.id}:renderer`].sort());
    });

    test('a worker started by a worker is listed and reachable like the main thread\'s own, and leaves the list when it ends', async () => {
      const { threadId } = (await under.app.command({ cmd: 'thread-nest' }, 'thread-nested')) as { threadId: number };
      try {
        const listed = await eventually(async () => (await liveThreads(under)).find((thread) => thread.id === threadId), 20_000, 'the nested worker in the list');
        assert.equal(listed.name, 'nested');
        assert.equal(listed.responsive, true);
        const stack = await get(`/stack?thread=${threadId}`);
        assert.equal(stack.status, 200, stack.body.toString());
        assert.equal(stack.json<{ thread: number }>().thread, threadId);
      } finally {
        await under.app.command({ cmd: 'thread-unnest' }, 'thread-unnested');
      }
      await eventually(async () => (await liveThreads(under)).every((thread) => thread.id !== threadId), 20_000, 'the nested worker to leave the list');
      assert.equal((await get(`/stack?thread=${threadId}`)).status, 404);
    });

    test('a worker terminated during its snapshot leaves the app alive; the answer is whole, an error, or cut off (never passed as whole)', async () => {
      await under.app.command({ cmd: 'thread-terminate', ms: 50 }, 'thread-terminating');
      const outcome = await get(`/heapsnapshot?thread=${renderer.id}`).then((reply) => reply, (error: unknown) => error as Error);
      assert.equal(under.app.child.exitCode, null, 'the app is alive');
      assert.equal(under.sidecar?.child.exitCode ?? null, null, 'the sidecar is alive');
      await eventually(async () => (await liveThreads(under)).length === 1, 20_000, 'the terminated worker to leave the list');
      await under.app.command({ cmd: 'thread-start' }, 'thread-started');
      renderer = await eventually(async () => (await liveThreads(under)).find((thread) => thread.name === 'renderer'), 20_000, 'the new worker');
      if (outcome instanceof Error) {
        // A failure after the first byte cuts the response off, so the client can tell it is not whole.
        assert.match(outcome.message, /response aborted/);
      } else if (outcome.status === 200) {
        wholeSnapshot(outcome.body);
      } else {
        assert.ok(outcome.status === 410 || outcome.status === 404, `${outcome.status} ${outcome.body.toString()}`);
        assert.match(outcome.json<{ error: { code: string } }>().error.code, /^THREAD_(EXITED|NOT_FOUND)$/);
      }
    });

    test('a worker that exits during a profile ends it with THREAD_EXITED; the app lives on and the worker is no longer listed', async () => {
      await under.app.command({ cmd: 'thread-exit', ms: 500 }, 'thread-exiting');
      const reply = await get(`/cpuprofile?seconds=3&thread=${renderer.id}`);
      assert.equal(reply.status, 410, reply.body.toString());
      assert.equal(reply.json<{ error: { code: string } }>().error.code, 'THREAD_EXITED');
      const threads = await eventually(async () => {
        const listed = (await get('/threads')).json<{ threads: ThreadFigures[] }>().threads;
        return listed.length === 1 && listed;
      }, 20_000, 'the exited worker to leave the list');
      assert.equal(threads[0]!.id, 0);
      assert.equal((await get(`/stack?thread=${renderer.id}`)).status, 404);
      assert.equal(under.app.child.exitCode, null, 'the app is alive');
      if (under.app.appUrl) assert.equal((await request(under.app.appUrl)).status, 200);
    });
  });
}

describe('worker threads through a sidecar whose target restarts', () => {
  test("the restarted process's worker is listed and reachable under its new session", async () => {
    const port = await freePort();
    const nodeArgs = [...KEEP_FUNCTION_NAMES, `--inspect=127.0.0.1:${port}`];
    let app = await startFixture({ mode: 'plain', script: 'threads-app.js', nodeArgs });
    // The restarted app is another process: the sidecar follows it only when told to.
    const sidecar = await startSidecar(['--target', `127.0.0.1:${port}`, '--follow-restarts']);
    const get = (path: string) => request(`${sidecar.url}${path}`, { token: sidecar.token });
    try {
      const before = (await get('/threads')).json<{ threads: ThreadFigures[] }>().threads;
      assert.deepEqual(before.map((thread) => thread.name), ['main', 'renderer']);
      await app.stop();
      app = await startFixture({ mode: 'plain', script: 'threads-app.js', nodeArgs });
      const after = await eventually(async () => {
        const reply = await get('/threads');
        return reply.status === 200 ? reply.json<{ threads: ThreadFigures[] }>().threads : undefined;
      }, 20_000, 'the sidecar to reconnect');
      assert.deepEqual(after.map((thread) => thread.name), ['main', 'renderer']);
      const stack = await get(`/stack?thread=${after[1]!.id}`);
      assert.equal(stack.status, 200, stack.body.toString());
      assert.equal(stack.json<{ state: string }>().state, 'idle');
    } finally {
      await sidecar.stop();
      await app.stop();
    }
  });
});
