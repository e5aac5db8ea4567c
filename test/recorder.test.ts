import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Profile } from 'pprof-format';
import { gunzipSync } from 'node:zlib';
import { RECORDING_FILE, type Recording } from '../src/recorder/recording-file.js';
import type { SamplingHeapProfileNode } from '../src/operations/heap-profile.js';
import { KEEP_FUNCTION_NAMES, startFixture, stopChild, type Fixture } from './helpers/fixture.js';
import { resolveRecorderOptions } from '../src/options/recorder-options.js';
import { checkOptionNames, MAINTENANCE_OPTION_NAMES } from '../src/options/option-names.js';
import { eventually, request } from './helpers/http.js';
import { createMemoryCgroup } from './helpers/memory-cgroup.js';

/** The fixture's leak: `leak` keeps what allocateFiveMegabytes makes, 5 MB a second. */
const LEAKING_FUNCTION = 'allocateFiveMegabytes';
const RECORDER = { enabled: true, spillSeconds: 1 };

/** Bytes of live samples whose stack passes through `name`. */
function bytesUnder(node: SamplingHeapProfileNode, name: string, inside = false): number {
  const here = inside || node.callFrame.functionName === name;
  return (here ? node.selfSize : 0) + node.children.reduce((sum, child) => sum + bytesUnder(child, name, here), 0);
}

/** The spill in the store, once it shows the leak. */
function spillShowing(storeDir: string, name: string): Promise<Recording> {
  return eventually(async () => {
    const recording = currentSpill(storeDir);
    return recording !== undefined && bytesUnder(recording.head, name) > 0 ? recording : undefined;
  }, 60_000, `a spill naming ${name}`);
}

/** The spill in the store now, if one is there and whole (a rename replaces it: never half of one). */
function currentSpill(storeDir: string): Recording | undefined {
  try {
    return JSON.parse(readFileSync(join(storeDir, RECORDING_FILE), 'utf8')) as Recording;
  } catch {
    return undefined;
  }
}

/** A process's resident set (0 once it has gone). */
function residentBytes(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Decodes a gzipped pprof with pprof-format: sample types and the function names of each sample's stack. */
function decode(gzipped: Buffer): { types: string[]; samples: Array<{ names: string[]; values: number[] }> } {
  const profile = Profile.decode(gunzipSync(gzipped));
  const str = (index: number | bigint) => profile.stringTable.strings[Number(index)]!;
  const functions = new Map(profile.function.map((fn) => [Number(fn.id), str(fn.name)]));
  const locations = new Map(profile.location.map((location) => [Number(location.id), functions.get(Number(location.line[0]!.functionId))!]));
  return {
    types: profile.sampleType.map((type) => str(type.type)),
    samples: profile.sample.map((sample) => ({ names: sample.locationId.map((id) => locations.get(Number(id))!), values: sample.value.map(Number) })),
  };
}

/** The next start with the same store lists the dead process's last moments: the dump, and its file. */
async function lastMomentsAfterRestart(storeDir: string, pid: number): Promise<{ job: Record<string, any>; recording: Recording; file: Buffer }> {
  const next = await startFixture({ mode: 'worker', options: { storeDir, recorder: RECORDER } });
  try {
    const job = await eventually(async () => {
      const { dumps } = (await request(`${next.url}/dumps`, { token: next.tokens.admin })).json<{ dumps: Array<Record<string, any>> }>();
      // Each start killed here leaves its own spill too: the one wanted is the dead process's.
      return dumps.find((dump) => dump.kind === 'last-moments' && String(dump.fileName).includes(`-${pid}-`));
    }, 30_000, 'a last-moments dump');
    assert.equal(job.status, 'ready');
    assert.deepEqual(job.trigger, { type: 'recorder' });
    const file = await request(`${next.url}/dumps/${job.id}/file`, { token: next.tokens.admin });
    assert.equal(file.status, 200);
    assert.match(String(file.headers['content-disposition']), /last-moments\.heapprofile"$/);
    assert.equal(file.body.length, job.size);
    const stored = readFileSync(join(storeDir, `${job.id}.heapprofile`));
    assert.equal(statSync(join(storeDir, `${job.id}.heapprofile`)).mode & 0o777, 0o600);
    assert.deepEqual(file.body, stored);
    return { job, recording: JSON.parse(file.body.toString('utf8')) as Recording, file: file.body };
  } finally {
    await next.stop();
  }
}

describe('the always-on recorder', () => {
  let storeDir = '';
  before(() => {
    storeDir = mkdtempSync(join(tmpdir(), 'me-recorder-store-'));
  });
  after(() => rmSync(storeDir, { recursive: true, force: true }));

  test('a process killed by SIGKILL leaves a last-moments dump naming the leaking function, with the last minute of series and GC events', async () => {
    const app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES, options: { storeDir, recorder: RECORDER } });
    let pid: number | undefined;
    try {
      pid = app.child.pid;
      await app.command({ cmd: 'leak', ms: 60_000 }, 'started');
      const spill = await spillShowing(storeDir, LEAKING_FUNCTION);
      assert.equal(statSync(join(storeDir, RECORDING_FILE)).mode & 0o777, 0o600);
      assert.equal(spill.lastMoments.pid, pid);
    } finally {
      await app.stop(); // SIGKILL: no exit handler runs
    }
    assert.ok(existsSync(join(storeDir, RECORDING_FILE)), 'the spill outlives the kill');
    const { recording } = await lastMomentsAfterRestart(storeDir, pid!);
    assert.equal(recording.lastMoments.pid, pid);
    assert.ok(bytesUnder(recording.head, LEAKING_FUNCTION) > 1024 * 1024, `${LEAKING_FUNCTION} holds ${bytesUnder(recording.head, LEAKING_FUNCTION)} bytes`);
    assert.ok(recording.samples.length > 0);
    assert.ok(recording.lastMoments.series.length >= 2, `${recording.lastMoments.series.length} series samples`);
    assert.ok(recording.lastMoments.series.every((sample) => Date.parse(recording.lastMoments.spilledAt) - sample.t <= 61_000));
    assert.ok(recording.lastMoments.series.some((sample) => (sample.heapUsed ?? 0) > 0));
    assert.ok(recording.lastMoments.gcEvents.length > 0, 'a 5 MB/s leak collects');
    assert.ok(!existsSync(join(storeDir, RECORDING_FILE)) || JSON.parse(readFileSync(join(storeDir, RECORDING_FILE), 'utf8')).lastMoments.pid !== pid, 'adopted once');
  });

  test('a process aborted by V8 at its heap limit leaves a last-moments dump naming the leaking function', async () => {
    // 5 MB/s to 192 MB: over half a minute, room for spills paced by a loaded machine's GC pauses (200 times each).
    const app = await startFixture({ mode: 'worker', nodeArgs: [...KEEP_FUNCTION_NAMES, '--max-old-space-size=192'], options: { storeDir, recorder: RECORDER } });
    let pid: number | undefined;
    try {
      pid = app.child.pid;
      const exited = new Promise<string | null>((resolve) => app.child.once('exit', (_code, signal) => resolve(signal)));
      await app.command({ cmd: 'leak', ms: 600_000 }, 'started');
      assert.equal(await exited, 'SIGABRT', 'V8 aborts the process when the heap is exhausted');
    } finally {
      await app.stop();
    }
    const { recording } = await lastMomentsAfterRestart(storeDir, pid!);
    assert.equal(recording.lastMoments.pid, pid);
    assert.ok(bytesUnder(recording.head, LEAKING_FUNCTION) > 8 * 1024 * 1024, `${LEAKING_FUNCTION} holds ${bytesUnder(recording.head, LEAKING_FUNCTION)} bytes at a spill ${recording.lastMoments.series.length} s into the process's life (its forced GC took ${recording.lastMoments.profileMs} ms)`);
    // The climb to the limit, second by second (how close to the end the last spill came depends on how long V8's GC took: docs/recorder.md).
    const used = recording.lastMoments.series.map((sample) => sample.heapUsed ?? 0);
    assert.ok(used.at(-1)! - Math.min(...used) > 8 * 1024 * 1024, `the series shows the climb: ${used.map((bytes) => Math.round(bytes / 1e6)).join(' ')} MB (the last spill's forced GC took ${recording.lastMoments.profileMs} ms)`);
  });

  test('a process the kernel OOM-kills for its cgroup\'s memory leaves a last-moments dump naming the leaking function, with the series up to seconds before death', async () => {
    // A container's limit, far below V8's heap limit: the kernel ends the process (SIGKILL) long before V8 would
    // abort it. The app's own charge at rest is about 40 MiB (its RSS about 90: the shared pages of node's binary
    // are charged to whoever read them first). The leak grows 6 MiB a second (steps of 200 ms): half a minute to the
    // limit. At that heap V8's full GC for a spill takes 50 to 350 ms here, which would space spills 20 s and more
    // apart (400 times the pause): the spill that comes sooner once the resident set has climbed a tenth of the
    // cgroup's limit is what brings the last one within seconds of death.
    const limitBytes = 256 * 1024 * 1024;
    const cgroup = createMemoryCgroup(limitBytes);
    let pid: number | undefined;
    let diedAt = 0;
    const spills: Array<{ spilledAt: string; rss: number }> = [];
    let peakRss = 0;
    try {
      const oomKillsBefore = cgroup.oomKills();
      const app = await startFixture({ mode: 'worker', nodeArgs: [...KEEP_FUNCTION_NAMES, '--max-old-space-size=2048'], options: { storeDir, recorder: RECORDER }, cgroupProcs: cgroup.procsFile });
      try {
        pid = app.child.pid;
        let signal: string | null | undefined;
        app.child.once('exit', (_code, exitSignal) => {
          diedAt = Date.now();
          signal = exitSignal;
        });
        await app.command({ cmd: 'leak', ms: 600_000, stepMs: 200 }, 'started');
        // Each spill as it comes, with the resident set it last saw, and the highest resident set, until the process dies.
        await eventually(async () => {
          const spill = currentSpill(storeDir);
          if (spill !== undefined && spill.lastMoments.pid === pid && spill.lastMoments.spilledAt !== spills.at(-1)?.spilledAt) spills.push({ spilledAt: spill.lastMoments.spilledAt, rss: spill.lastMoments.series.at(-1)?.rss ?? 0 });
          peakRss = Math.max(peakRss, residentBytes(pid!));
          return signal !== undefined;
        }, 300_000, 'the kernel\'s OOM kill');
        assert.equal(signal, 'SIGKILL', 'the kernel kills the process at its cgroup\'s limit');
      } finally {
        await app.stop();
      }
      // The counter says it was the OOM killer, not anyone else's SIGKILL (kernels from 4.13 keep it).
      const oomKills = cgroup.oomKills();
      if (oomKillsBefore !== undefined && oomKills !== undefined) assert.equal(oomKills, oomKillsBefore + 1, `cgroup v${cgroup.version} OOM kills`);
    } finally {
      await cgroup.remove();
    }
    // Spills kept up with the climb: the resident set grew at most a quarter of the limit between two (the recorder
    // spills once it has grown a tenth) and from the last one to the highest seen before death. Paced by its forced
    // GC alone, 400 times a pause of 60 to 300 ms, the spills came 25 s and more apart.
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    assert.ok(spills.length >= 2, `${spills.length} spills seen`);
    const climbs = [...spills.slice(1).map((spill, i) => spill.rss - spills[i]!.rss), peakRss - spills.at(-1)!.rss];
    assert.ok(Math.max(...climbs) < limitBytes / 4, `RSS at each spill ${spills.map((spill) => mib(spill.rss)).join(' ')} MiB, ${mib(peakRss)} MiB at most before death`);
    const { recording } = await lastMomentsAfterRestart(storeDir, pid!);
    const { series, spilledAt, profileMs } = recording.lastMoments;
    assert.equal(recording.lastMoments.pid, pid);
    const spillAgeMs = diedAt - Date.parse(spilledAt);
    const rss = series.map((sample) => mib(sample.rss ?? 0));
    const context = `last spill ${spillAgeMs} ms before death, its forced GC ${profileMs} ms; RSS ${rss.join(' ')} MiB`;
    // Most of what killed it, by the function that allocated it.
    assert.ok(bytesUnder(recording.head, LEAKING_FUNCTION) > limitBytes / 4, `${LEAKING_FUNCTION} holds ${bytesUnder(recording.head, LEAKING_FUNCTION)} bytes (${context})`);
    // The seconds before death: a spill close to the end, whose series shows the climb most of the way to the limit.
    assert.ok(spillAgeMs < 10_000, context);
    assert.ok(Math.max(...rss) * 2 ** 20 > limitBytes / 2, context);
    assert.ok(series.at(-1)!.t >= Date.parse(spilledAt) - 2000, context);
  });

  test('a process that exits through its exit handlers has not died: its spill goes, and the next start lists no last-moments dump of it', async () => {
    const app = await startFixture({ mode: 'worker', options: { storeDir, recorder: RECORDER } });
    const pid = app.child.pid!;
    try {
      await eventually(async () => existsSync(join(storeDir, RECORDING_FILE)) && JSON.parse(readFileSync(join(storeDir, RECORDING_FILE), 'utf8')).lastMoments.pid === pid, 30_000, 'a spill');
      await stopChild(app.child, 'SIGTERM'); // the fixture closes its server and exits
    } finally {
      await app.stop();
    }
    assert.ok(!existsSync(join(storeDir, RECORDING_FILE)), 'the spill is removed');
    const next = await startFixture({ mode: 'worker', options: { storeDir } });
    try {
      const { dumps } = (await request(`${next.url}/dumps`, { token: next.tokens.admin })).json<{ dumps: Array<Record<string, any>> }>();
      assert.equal(dumps.filter((dump) => String(dump.fileName).includes(`-${pid}-`)).length, 0);
    } finally {
      await next.stop();
    }
  });

  test('bad recorder options are refused at start, naming the option', () => {
    assert.throws(() => resolveRecorderOptions({ enabled: 'yes' as never }), /`recorder.enabled` must be true or false/);
    assert.throws(() => resolveRecorderOptions({ enabled: true, spillSeconds: 0 }), /`recorder.spillSeconds` must be an integer from 1 to 60/);
    assert.throws(() => resolveRecorderOptions({ enabled: true, samplingIntervalBytes: 1024 }), /`recorder.samplingIntervalBytes`/);
    assert.throws(() => checkOptionNames({ recorder: { enable: true } }, MAINTENANCE_OPTION_NAMES), /recorder.enable: unknown option; did you mean enabled\?/);
    assert.equal(resolveRecorderOptions({ enabled: false }), undefined);
    assert.deepEqual(resolveRecorderOptions({ enabled: true }), { spillSeconds: 5, samplingIntervalBytes: 2 * 1024 * 1024 });
  });

  describe('with the recorder on', () => {
    let app: Fixture;
    let ownStore = '';
    before(async () => {
      ownStore = mkdtempSync(join(tmpdir(), 'me-recorder-pprof-'));
      app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES, options: { storeDir: ownStore, recorder: RECORDER, rateLimit: { heavy: { limit: 200 } } } });
      await app.command({ cmd: 'leak', ms: 60_000 }, 'started');
      await spillShowing(ownStore, LEAKING_FUNCTION);
    });
    after(async () => {
      await app?.stop();
      rmSync(ownStore, { recursive: true, force: true });
    });

    test('/debug/pprof/heap answers within 1 s with in-use samples naming the leak', async () => {
      const times: number[] = [];
      let body: Buffer = Buffer.alloc(0);
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const reply = await request(`${app.url}/debug/pprof/heap`, { token: app.tokens.admin });
        times.push(performance.now() - started);
        assert.equal(reply.status, 200);
        body = reply.body;
      }
      assert.ok(Math.min(...times) < 1000, `answered in ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      const profile = decode(body);
      assert.deepEqual(profile.types, ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
      const leaking = profile.samples.filter((sample) => sample.names.includes(LEAKING_FUNCTION)).reduce((sum, sample) => sum + sample.values[3]!, 0);
      assert.ok(leaking > 1024 * 1024, `${LEAKING_FUNCTION} holds ${leaking} bytes in use`);
    });

    test('/debug/pprof/allocs answers at once with what was allocated since the recorder started', async () => {
      const reply = await request(`${app.url}/debug/pprof/allocs`, { token: app.tokens.admin });
      assert.equal(reply.status, 200);
      const profile = decode(reply.body);
      assert.deepEqual(profile.types, ['alloc_space']);
      const leaking = profile.samples.filter((sample) => sample.names.includes(LEAKING_FUNCTION)).reduce((sum, sample) => sum + sample.values[0]!, 0);
      assert.ok(leaking > 1024 * 1024, `${LEAKING_FUNCTION} allocated ${leaking} bytes`);
    });

    test('/heapprofile meanwhile reads the running sampler and leaves it running', async () => {
      const reply = await request(`${app.url}/heapprofile?seconds=2`, { token: app.tokens.admin });
      assert.equal(reply.status, 200);
      const profile = JSON.parse(reply.body.toString('utf8')) as { head: SamplingHeapProfileNode; samples: unknown[] };
      assert.ok(bytesUnder(profile.head, LEAKING_FUNCTION) > 0, 'the window holds what the leak kept during it');
      const collected = await request(`${app.url}/heapprofile?seconds=1&include=collected`, { token: app.tokens.admin });
      assert.equal(collected.status, 409);
      assert.equal(collected.json().error.code, 'OPERATION_IN_PROGRESS');
      // Still sampling: the heap route answers from the recorder, not over a window.
      const started = performance.now();
      const heap = await request(`${app.url}/debug/pprof/heap?seconds=30`, { token: app.tokens.admin });
      assert.equal(heap.status, 200);
      assert.ok(performance.now() - started < 20_000);
      // Written as the response closes, a moment after the client read it.
      await eventually(async () => app.auditLines().some((line) => String(line.path).endsWith('/debug/pprof/heap') && (line.result as Record<string, unknown> | undefined)?.fromRecorder === true), 20_000, 'the audit line of an answer from the recorder');
    });
  });

  test('without the recorder, /debug/pprof/allocs samples for `seconds` keeping what the GC frees', async () => {
    const app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES, options: { rateLimit: { heavy: { limit: 200 } } } });
    try {
      // Allocating until told to rest: most of what allocatingFunction makes is freed while the profile runs.
      await app.command({ cmd: 'work', work: 'allocate' }, 'working');
      const reply = await request(`${app.url}/debug/pprof/allocs?seconds=2`, { token: app.tokens.admin });
      await app.command({ cmd: 'rest' }, 'rested');
      assert.equal(reply.status, 200);
      const profile = decode(reply.body);
      assert.deepEqual(profile.types, ['alloc_objects', 'alloc_space']);
      const allocated = profile.samples.filter((sample) => sample.names.includes('allocatingFunction')).reduce((sum, sample) => sum + sample.values[1]!, 0);
      assert.ok(allocated > 1024 * 1024, `allocatingFunction allocated ${allocated} bytes`);
    } finally {
      await app.stop();
    }
  });
});
