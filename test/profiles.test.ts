import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CpuProfile } from '../src/operations/cpu-profile.js';
import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../src/operations/heap-profile.js';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { shareOfSamplesIn } from './helpers/cpu-profile.js';
import { eventually, request, requestOnceFree, sendAndHold } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

/** Share of samples whose stack contains `name` anywhere. */
function bytesAllocatedBy(node: SamplingHeapProfileNode, name: string, inside = false): number {
  const here = inside || node.callFrame.functionName === name;
  return (here ? node.selfSize : 0) + node.children.reduce((sum, child) => sum + bytesAllocatedBy(child, name, here), 0);
}

/**
 * Profiles a second of a blocked loop. V8 names the loop's samples or credits them to its caller (it
 * cannot name code optimized while running before profiling started); the endpoint must say so exactly
 * when that happened, neither staying silent nor warning about a profile that is right.
 */
async function assertBlockedLoopProfileIsHonest(app: Fixture): Promise<void> {
  // The profile must fall inside the block: it starts after the block has, and /stack asked after the
  // reply must still find the loop running. A machine so loaded that the request outlasts the block
  // gets another try with a block twice as long, rather than a profile of an idle loop.
  let reply: Awaited<ReturnType<typeof request>> | undefined;
  for (let blockMs = 5000; reply === undefined; blockMs *= 2) {
    assert.ok(blockMs <= 80_000, 'a profile within a busy loop');
    const { unblocked } = await app.block(blockMs);
    const profiled = await request(`${app.url}/cpuprofile?seconds=1`, { token: app.tokens.admin });
    const stillBlocked = (await request(`${app.url}/stack`, { token: app.tokens.admin })).json().state === 'running';
    await unblocked;
    if (stillBlocked) reply = profiled;
  }
  assert.ok(reply !== undefined);
  assert.equal(reply.status, 200);
  const profile = reply.json<CpuProfile>();
  assert.ok(profile.samples!.length > 0, 'samples were taken during the block');
  const named = shareOfSamplesIn(profile, 'busyLoop');
  const warning = reply.headers['maintenance-warning'];
  if (named < 0.5) {
    assert.match(String(warning), /^busyLoop has no samples of its own: V8 credits them to the calling line of \(anonymous\) \(file:\/\/\/.*:\d+\), \d+% of samples/);
  } else {
    assert.equal(warning, undefined, `busyLoop is on ${Math.round(named * 100)}% of samples: nothing to warn about`);
  }
}

describe('profiles and stacks (worker mode)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES, options: { rateLimit: { heavy: { limit: 100 } }, maxProfileSeconds: 60 } });
  });
  after(() => app.stop());

  test('a CPU profile of a hot function shows it on most samples, as a DevTools .cpuprofile', async () => {
    const hot = await app.work('hot');
    const reply = await request(`${app.url}/cpuprofile?seconds=2`, { token: app.tokens.admin });
    await hot.rest();
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-disposition']), /^attachment; filename=".+-\d+-\d{8}T\d{6}Z\.cpuprofile"$/);
    const profile = reply.json<CpuProfile>();
    assert.ok(profile.nodes.length > 1 && profile.startTime < profile.endTime);
    assert.equal(profile.samples!.length, profile.timeDeltas!.length);
    assert.ok((profile.endTime - profile.startTime) / 1e6 >= 1.9, 'the profile covers the requested seconds');
    const share = shareOfSamplesIn(profile, 'hotFunction');
    assert.ok(share > 0.5, `hotFunction is on ${Math.round(share * 100)}% of samples`);
  });

  test('the same as pprof: an independent decoder finds the function, its file and line, counts and time', async () => {
    const hot = await app.work('hot');
    const reply = await request(`${app.url}/cpuprofile?seconds=2&interval=500&format=pprof`, { token: app.tokens.admin });
    await hot.rest();
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-disposition']), /\.cpu\.pb\.gz"$/);
    const pprof = decodePprof(reply.body);
    assert.deepEqual(pprof.sampleTypes, ['samples/count', 'cpu/nanoseconds']);
    assert.equal(pprof.defaultSampleType, 'cpu');
    assert.equal(pprof.period, 500_000);
    const hotSamples = pprof.samples.filter((sample) => sample.stack.some((frame) => frame.name === 'hotFunction'));
    const frame = hotSamples[0]!.stack.find((f) => f.name === 'hotFunction')!;
    assert.match(frame.file, /fixtures\/app\.js$/);
    assert.ok(frame.line > 1);
    const total = (index: number, samples = pprof.samples) => samples.reduce((sum, s) => sum + s.values[index]!, 0);
    assert.ok(total(0, hotSamples) / total(0) > 0.5, 'most samples are in hotFunction');
    // Two seconds of wall time in nanoseconds, with room for a stop that a busy machine delays (not microseconds, not seconds).
    assert.ok(total(1) > 1e9 && total(1) < 10e9, `${total(1)} ns: about two seconds in nanoseconds`);
  });

  test('a heap profile of an allocating function shows its live bytes, as .heapprofile and as pprof', async () => {
    const allocating = await app.work('allocate');
    const reply = await request(`${app.url}/heapprofile?seconds=2`, { token: app.tokens.admin });
    await allocating.rest();
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-disposition']), /\.heapprofile"$/);
    const profile = reply.json<SamplingHeapProfile>();
    assert.ok(bytesAllocatedBy(profile.head, 'allocatingFunction') > 1024 * 1024, 'megabytes retained by allocatingFunction');

    const more = await app.work('allocate');
    const pprofReply = await request(`${app.url}/heapprofile?seconds=2&interval=16384&format=pprof`, { token: app.tokens.admin });
    await more.rest();
    const pprof = decodePprof(pprofReply.body);
    assert.deepEqual(pprof.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    assert.equal(pprof.defaultSampleType, 'inuse_space');
    assert.equal(pprof.periodType, 'space/bytes');
    const bytes = pprof.samples
      .filter((sample) => sample.stack.some((frame) => frame.name === 'allocatingFunction'))
      .reduce((sum, sample) => sum + sample.values[3]!, 0);
    assert.ok(bytes > 1024 * 1024, `allocatingFunction holds ${bytes} sampled bytes`);
  });

  test('/stack names the functions of a blocked loop within a second, and leaves the app as it was', async () => {
    const before = await app.command({ cmd: 'state' }, 'state');
    // Blocked for far longer than the requests take even on a loaded machine: they must land inside it.
    const { unblocked } = await app.block(10_000);
    let ended = false;
    void unblocked.then(() => (ended = true));
    const started = Date.now();
    const reply = await request(`${app.url}/stack`, { token: app.tokens.admin });
    // A second on a quiet machine; the bound leaves room for a loaded one, where a request alone can
    // take seconds. What it rules out is waiting for the loop, checked below: the answer came during the block.
    assert.ok(Date.now() - started < 5000, 'answered within seconds');
    const stack = reply.json();
    assert.equal(stack.state, 'running');
    assert.equal(stack.frames[0].functionName, 'busyLoop');
    assert.match(stack.frames[0].url, /fixtures\/app\.js$/);
    assert.ok(stack.frames[0].line > 1 && stack.frames[0].column > 0);
    const text = await request(`${app.url}/stack?format=text`, { token: app.tokens.admin });
    assert.match(text.headers['content-type']!, /^text\/plain/);
    assert.match(text.body.toString(), /running JavaScript\n {4}at busyLoop \(.*fixtures\/app\.js:\d+:\d+\)/);
    assert.equal(ended, false, 'both answers came while the loop was still blocked');
    await unblocked;
    assert.deepEqual(await app.command({ cmd: 'state' }, 'state'), before, 'stackTraceLimit and prepareStackTrace untouched');
    // Once the app has nothing to do, its stack is empty (it may still be finishing a task at first).
    const idle = await eventually(async () => {
      const reply = (await request(`${app.url}/stack`, { token: app.tokens.admin })).json();
      return reply.state === 'idle' ? reply : undefined;
    }, 20_000, 'the app to be idle');
    assert.deepEqual(idle.frames, []);
  });

  test('a CPU profile taken while the loop is blocked is valid and says which samples V8 credited to a caller', async () => {
    await assertBlockedLoopProfileIsHonest(app);
  });

  test('bad parameters get a 400 naming the parameter and its range; nothing is started', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/cpuprofile?seconds=0', 'seconds', /from 1 to 60/],
      ['/cpuprofile?seconds=-1', 'seconds', /from 1 to 60/],
      ['/cpuprofile?seconds=abc', 'seconds', /integer/],
      ['/cpuprofile?seconds=1.5', 'seconds', /integer/],
      ['/cpuprofile?seconds=61', 'seconds', /from 1 to 60/],
      ['/cpuprofile?seconds=99999999999999999999', 'seconds', /from 1 to 60/],
      ['/cpuprofile?interval=10', 'interval', /from 50 to 100000/],
      ['/cpuprofile?format=xml', 'format', /cpuprofile, pprof/],
      ['/cpuprofile?seconds=1&seconds=2', 'seconds', /more than once/],
      ['/cpuprofile?duration=5', 'duration', /allowed: seconds, interval, format/],
      ['/heapprofile?interval=0', 'interval', /from 1024/],
      ['/heapprofile?format=cpuprofile', 'format', /heapprofile, pprof/],
      ['/stack?format=html', 'format', /json, text/],
      ['/stack?seconds=1', 'seconds', /allowed: format/],
    ];
    for (const [path, name, range] of cases) {
      const reply = await request(`${app.url}${path}`, { token: app.tokens.admin });
      assert.equal(reply.status, 400, path);
      const { error } = reply.json();
      assert.ok(error.message.includes(`"${name}"`), `${path}: ${error.message}`);
      assert.match(error.message, range, path);
    }
    const index = (await request(`${app.url}/`, { token: app.tokens.admin })).json();
    assert.deepEqual(index.operations, []);
  });

  test('one profile of a kind at a time: a second gets 409 with the time left as Retry-After', async () => {
    // A 60 s profile, held until the checks are done and then abandoned (which frees the slot at once,
    // as the next test shows): the second request is certain to find it running, however slow the machine.
    const sent = Date.now();
    const first = sendAndHold(`${app.url}/cpuprofile?seconds=60`, app.tokens.admin);
    try {
      await eventually(async () => {
        const index = (await request(`${app.url}/`, { token: app.tokens.admin })).json();
        return index.operations.some((op: { kind: string }) => op.kind === 'cpuprofile');
      });
      const second = await request(`${app.url}/cpuprofile?seconds=1`, { token: app.tokens.admin });
      const elapsedSeconds = (Date.now() - sent) / 1000;
      assert.equal(second.status, 409);
      // The time left of the 60 s, rounded up, plus a second: at most 61, and no less than what is left
      // of the 60 s counted from before the first request was sent.
      const retryAfter = Number(second.headers['retry-after']);
      assert.ok(retryAfter <= 61 && retryAfter >= 61 - elapsedSeconds, `Retry-After ${retryAfter} after ${elapsedSeconds} s`);
      const heap = await request(`${app.url}/heapprofile?seconds=1`, { token: app.tokens.admin });
      assert.equal(heap.status, 200, 'another kind runs alongside');
    } finally {
      first.destroy();
    }
    await eventually(async () => (await request(`${app.url}/`, { token: app.tokens.admin })).json().operations.length === 0, 20_000, 'the held profile to end');
  });

  test('a client that leaves early stops the profiler at once: the next profile starts right away', async () => {
    const abortedLines = () => app.auditLines().filter((line) => line.completed === false && /profile$/.test(String(line.path)));
    const abortedBefore = abortedLines().length;
    for (const path of ['/cpuprofile', '/heapprofile']) {
      // Left once the profile is seen running, not after a fixed time a loaded machine may not reach it in.
      const abandoned = sendAndHold(`${app.url}${path}?seconds=60`, app.tokens.admin);
      await eventually(async () => {
        const index = (await request(`${app.url}/`, { token: app.tokens.admin })).json();
        return index.operations.some((op: { kind: string }) => `/${op.kind}` === path);
      }, 20_000, `${path} to run`);
      abandoned.destroy();
      const started = Date.now();
      const next = await requestOnceFree(`${app.url}${path}?seconds=1`, app.tokens.admin, 20_000);
      assert.equal(next.status, 200, path);
      // A 1 s profile after a 60 s one was abandoned: well under the 60 s it would take if the slot were
      // held to the end, with room for a loaded machine.
      assert.ok(Date.now() - started < 20_000, `${path} was freed at once, not after 60 s`);
    }
    assert.equal(abortedLines().length - abortedBefore, 2, 'both abandoned requests are audited as not completed');
  });
});

describe('profiles of a CommonJS app (stack frames named by path, profiles by file URL)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES, script: 'commonjs-app.cjs', options: { rateLimit: { heavy: { limit: 100 } } } });
  });
  after(() => app.stop());

  test('a CPU profile taken while the loop is blocked says which samples V8 credited to a caller', async () => {
    await assertBlockedLoopProfileIsHonest(app);
  });
});

describe('profiles and stacks (router mode)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'router', nodeArgs: KEEP_FUNCTION_NAMES, options: { rateLimit: { heavy: { limit: 100 } } } });
  });
  after(() => app.stop());

  test('CPU and heap profiles work through the in-process session', async () => {
    const hot = await app.work('hot');
    const cpu = await request(`${app.url}/cpuprofile?seconds=1`, { token: app.tokens.admin });
    await hot.rest();
    assert.equal(cpu.status, 200);
    assert.ok(shareOfSamplesIn(cpu.json<CpuProfile>(), 'hotFunction') > 0.3);
    const allocating = await app.work('allocate');
    const heap = await request(`${app.url}/heapprofile?seconds=1&format=pprof`, { token: app.tokens.admin });
    await allocating.rest();
    assert.equal(heap.status, 200);
    assert.ok(decodePprof(heap.body).samples.some((sample) => sample.stack.some((frame) => frame.name === 'allocatingFunction')));
  });

  test('/stack says plainly that the app thread is busy answering, instead of showing its own frames', async () => {
    const stack = (await request(`${app.url}/stack`, { token: app.tokens.admin })).json();
    assert.equal(stack.state, 'serving-this-request');
    assert.deepEqual(stack.frames, []);
  });
});
