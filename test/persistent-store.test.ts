import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { isWholeHeapSnapshotFile } from '../src/operations/heap-snapshot-file.js';
import { isSameDirectory, writerGone } from '../src/scheduling/near-heap-limit-capture.js';
import { startSidecar } from './helpers/cli.js';
import { newToken, startFixture, stopChild, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';

interface Job {
  id: string;
  status: string;
  size: number | null;
  sha256: string | null;
  redacted?: boolean;
  created: string;
  finished: string | null;
  error: string | null;
  fileName: string | null;
  trigger: { type: string };
  nearHeapLimit?: { directory: string; inStore: boolean; pid: number };
  warning?: string;
}

const base = mkdtempSync(join(tmpdir(), 'maintenance-endpoint-store-test-'));
after(() => rmSync(base, { recursive: true, force: true }));

async function call(app: Fixture, path: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${app.tokens.admin}` } });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/** The store's dumps and records: everything but the live holder's lock file. */
const storeFiles = (storeDir: string): string[] => readdirSync(storeDir).filter((name) => name !== '.maintenance-endpoint.lock');

const json = <T>(body: Buffer): T => JSON.parse(body.toString('utf8')) as T;

/** Asks /dumps until `done` holds for the job `id` (the store adopts and checks files on its own time). */
async function waitForJob(app: Fixture, id: string, done: (job: Job) => boolean): Promise<Job> {
  for (;;) {
    const { dumps } = json<{ dumps: Job[] }>((await call(app, '/dumps')).body);
    const job = dumps.find((candidate) => candidate.id === id);
    if (job !== undefined && done(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('persistent dump store (storeDir)', () => {
  test('a process armed with ?when=near-heap-limit that runs out of heap leaves a snapshot the next start lists as ready', async () => {
    const storeDir = join(base, 'oom-store');
    const first = await startFixture({ mode: 'worker', options: { storeDir }, nodeArgs: ['--max-old-space-size=64', `--diagnostic-dir=${storeDir}`] });
    let armed: Job;
    try {
      const response = await call(first, '/heapsnapshot?when=near-heap-limit');
      assert.equal(response.status, 202);
      armed = json<Job>(response.body);
      assert.equal(armed.status, 'armed');
      assert.deepEqual(armed.trigger, { type: 'near-heap-limit' });
      assert.deepEqual([armed.nearHeapLimit?.directory, armed.nearHeapLimit?.inStore, armed.nearHeapLimit?.pid], [storeDir, true, first.child.pid]);
      assert.equal(armed.warning, undefined);
      const again = json<Job>((await call(first, '/heapsnapshot?when=near-heap-limit')).body);
      assert.equal(again.id, armed.id, 'Node writes one snapshot: arming twice answers the armed job');
      assert.equal((await waitForJob(first, armed.id, () => true)).status, 'armed');

      const exited = new Promise<string | null>((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
      first.child.send({ cmd: 'grow', mb: 1000 });
      assert.equal(await exited, 'SIGABRT', 'V8 aborts the process when the heap is exhausted');
    } finally {
      await first.stop();
    }
    // Node wrote its snapshot into the store; the dying process may have adopted it already (Node 22 lives a little after writing).
    const left = readdirSync(storeDir);
    assert.ok(left.some((name) => (name.startsWith('Heap.') && name.includes(`.${first.child.pid}.`)) || name === `${armed.id}.heapsnapshot`), left.join());

    const second = await startFixture({ mode: 'worker', options: { storeDir } });
    try {
      // `running` while the store checks and hashes Node's file, then `ready`.
      const ready = await waitForJob(second, armed.id, (job) => job.status !== 'armed' && job.status !== 'running');
      assert.equal(ready.status, 'ready', `the armed job became ready after the restart (${ready.error})`);
      assert.match(ready.fileName ?? '', new RegExp(`^Heap\\.\\d{8}\\.\\d{6}\\.${first.child.pid}\\.0\\.001\\.heapsnapshot$`));
      assert.equal(ready.redacted, false, 'Node wrote it raw, and its record says so');
      const file = await call(second, `/dumps/${armed.id}/file?redact=false`);
      assert.equal(file.status, 200);
      assert.equal(file.body.length, ready.size);
      assert.equal(sha256(file.body), ready.sha256);
      assertWholeSnapshotWithPlantedObjects(file.body, { redacted: false });
      const served = await call(second, `/dumps/${armed.id}/file`);
      assert.equal(served.status, 200);
      assertWholeSnapshotWithPlantedObjects(served.body, { redacted: true });
      assert.deepEqual(storeFiles(storeDir).sort(), [`${armed.id}.heapsnapshot`, `${armed.id}.json`], 'Node\'s file was adopted under the job\'s id');
      assert.equal(statSync(join(storeDir, `${armed.id}.heapsnapshot`)).mode & 0o777, 0o600);
    } finally {
      await second.stop();
    }
  });

  test('ready dumps survive a restart; partial files and snapshots cut short are removed, never listed; the sweep leaves the store alone', async () => {
    // Named like a private directory of a process that no longer exists, inside a directory the start-up sweep cleans.
    const sweptParent = join(base, 'swept');
    mkdirSync(sweptParent);
    const storeDir = join(sweptParent, 'maintenance-endpoint-dumps-999999-kept');
    const options = { storeDir, tmpdir: sweptParent };
    const first = await startFixture({ mode: 'worker', options });
    let stored: Job;
    let notInStore: Job;
    let firstPid: number;
    try {
      assert.equal(statSync(storeDir).mode & 0o777, 0o700);
      const scheduled = json<Job>((await call(first, '/heapsnapshot?delay=1s')).body);
      stored = await waitForJob(first, scheduled.id, (job) => job.status === 'ready' || job.status === 'failed');
      assert.equal(stored.status, 'ready', stored.error ?? '');
      assert.match(stored.sha256 ?? '', /^[0-9a-f]{64}$/);
      for (const name of storeFiles(storeDir)) assert.equal(statSync(join(storeDir, name)).mode & 0o777, 0o600, name);

      // Without --diagnostic-dir Node writes into the working directory: the job says so.
      notInStore = json<Job>((await call(first, '/heapsnapshot?when=near-heap-limit')).body);
      assert.equal(notInStore.status, 'armed');
      assert.deepEqual([notInStore.nearHeapLimit?.inStore, notInStore.nearHeapLimit?.directory], [false, process.cwd()]);
      assert.match(notInStore.warning ?? '', /--diagnostic-dir/);
      firstPid = first.child.pid!;
    } finally {
      await first.stop();
    }

    // What a killed process leaves: a partial dump, a dump whose record was never written, a Node snapshot cut short.
    const whole = readFileSync(join(storeDir, `${stored.id}.heapsnapshot`));
    const partialId = 'AAAAAAAAAAAAAAAAAAAAAA';
    const unrecordedId = 'BBBBBBBBBBBBBBBBBBBBBB';
    const cutShort = `Heap.20260101.000000.${firstPid}.0.001.heapsnapshot`;
    writeFileSync(join(storeDir, `${partialId}.partial`), whole.subarray(0, 1000), { mode: 0o600 });
    writeFileSync(join(storeDir, `${unrecordedId}.heapsnapshot`), whole, { mode: 0o600 });
    writeFileSync(join(storeDir, cutShort), whole.subarray(0, Math.floor(whole.length / 2)), { mode: 0o600 });

    const second = await startFixture({ mode: 'worker', options });
    try {
      const { dumps } = json<{ dumps: Job[] }>((await call(second, '/dumps')).body);
      const again = dumps.find((job) => job.id === stored.id);
      assert.deepEqual(again, stored, 'the ready dump is listed by the next start as it was');
      const file = await call(second, `/dumps/${stored.id}/file`);
      assert.equal(sha256(file.body), stored.sha256);
      assertWholeSnapshotWithPlantedObjects(file.body);
      assert.ok(!dumps.some((job) => [partialId, unrecordedId].includes(job.id)));
      const failed = await waitForJob(second, notInStore.id, (job) => job.status !== 'armed');
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', /outside the store/);
      assert.deepEqual(storeFiles(storeDir).sort(), [`${stored.id}.heapsnapshot`, `${stored.id}.json`], 'only the ready dump and its record remain');
      assert.equal((await call(second, `/dumps/${unrecordedId}`)).status, 404);
    } finally {
      await second.stop();
    }
  });

  test('directories and symbolic links in the store are never followed nor break the start, and a real snapshot is still adopted', async () => {
    const storeDir = join(base, 'odd-store');
    const outside = join(base, 'odd-outside');
    mkdirSync(outside);
    const first = await startFixture({ mode: 'worker', options: { storeDir } });
    let whole: Buffer;
    try {
      const scheduled = json<Job>((await call(first, '/heapsnapshot?delay=1s')).body);
      const stored = await waitForJob(first, scheduled.id, (job) => job.status === 'ready' || job.status === 'failed');
      assert.equal(stored.status, 'ready', stored.error ?? '');
      whole = readFileSync(join(storeDir, `${stored.id}.heapsnapshot`));
    } finally {
      await first.stop();
    }
    rmSync(storeDir, { recursive: true });
    mkdirSync(storeDir, { mode: 0o700 });
    // Entries of the store's own names that are not regular files.
    const snapshotDirectory = 'Heap.20260101.000000.1.0.001.heapsnapshot';
    const partialDirectory = 'CCCCCCCCCCCCCCCCCCCCCC.partial';
    const linkedRecord = 'DDDDDDDDDDDDDDDDDDDDDD.json';
    const linkedSnapshot = 'Heap.20260101.000000.1.0.002.heapsnapshot';
    mkdirSync(join(storeDir, snapshotDirectory));
    mkdirSync(join(storeDir, partialDirectory));
    const target = join(outside, 'target.heapsnapshot');
    writeFileSync(target, whole, { mode: 0o644 });
    writeFileSync(join(outside, 'record.json'), '{}', { mode: 0o644 });
    symlinkSync(target, join(storeDir, linkedSnapshot));
    symlinkSync(join(outside, 'record.json'), join(storeDir, linkedRecord));
    // And a real snapshot Node left, to be adopted as ever.
    const real = 'Heap.20260101.000000.1.0.003.heapsnapshot';
    writeFileSync(join(storeDir, real), whole, { mode: 0o644 });

    const second = await startFixture({ mode: 'worker', options: { storeDir } });
    try {
      const adopted = await (async () => {
        for (;;) {
          const { dumps } = json<{ dumps: Job[] }>((await call(second, '/dumps')).body);
          const job = dumps.find((candidate) => candidate.fileName === real && candidate.status === 'ready');
          if (job !== undefined) return { job, dumps };
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      assert.equal(adopted.job.sha256, sha256(whole));
      assert.equal(adopted.dumps.length, 1, 'nothing but the real snapshot is listed');
      assert.equal(sha256((await call(second, `/dumps/${adopted.job.id}/file?redact=false`)).body), sha256(whole), 'a heap-raw token gets the file Node wrote as it is');
      for (const name of [snapshotDirectory, partialDirectory]) assert.ok(lstatSync(join(storeDir, name)).isDirectory(), `${name} is left as it is`);
      for (const name of [linkedSnapshot, linkedRecord]) assert.ok(lstatSync(join(storeDir, name)).isSymbolicLink(), `${name} is left as it is`);
      assert.equal(statSync(target).mode & 0o777, 0o644, 'the link was not followed to chmod its target');
      assert.deepEqual(readFileSync(target), whole);
      assert.ok(second.auditText().includes('not regular files'), 'the start says what it left alone');
    } finally {
      await second.stop();
    }
  });

  test('a second live process is refused the same storeDir, also from a pid namespace of its own; the lock of one that was killed is taken over', async () => {
    const storeDir = join(base, 'locked-store');
    const index = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js')).href;
    // Another process starting an endpoint on the same store: it reports how its start ended, then exits.
    // In a pid namespace of its own (`unshare`, as root), as another container of the pod sharing the volume and the host name.
    const startSecond = async (pidNamespace = false) => {
      const script =
        `import { startMaintenanceServer } from ${JSON.stringify(index)};` +
        `try { const server = await startMaintenanceServer({ port: 0, storeDir: ${JSON.stringify(storeDir)} }); console.log(JSON.stringify({ started: true })); await server.close(); }` +
        `catch (error) { console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message })); }`;
      const env = { ...process.env, MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([{ id: 'admin', token: newToken(), scopes: ['read'] }]) };
      // A file, not --eval: the endpoint's worker thread inherits the process's flags, --input-type among them.
      const file = join(base, 'start-second.mjs');
      writeFileSync(file, script);
      const command = [...(pidNamespace ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'] : []), process.execPath, file];
      const { stdout } = await promisify(execFile)(command[0]!, command.slice(1), { env });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as { started?: boolean; name?: string; code?: string; message?: string };
    };
    const first = await startFixture({ mode: 'worker', options: { storeDir } });
    try {
      const lock = JSON.parse(readFileSync(join(storeDir, '.maintenance-endpoint.lock'), 'utf8')) as { pid: number; startedAt: number };
      assert.equal(lock.pid, first.child.pid);
      const refused = await startSecond();
      assert.deepEqual([refused.name, refused.code], ['ConfigError', 'STORE_IN_USE']);
      assert.match(refused.message ?? '', new RegExp(`in use by process ${first.child.pid}`));
      // There the holder's pid names nothing (or another process): the holder's instance marker says so, and the lock's heartbeat decides.
      const refusedElsewhere = await startSecond(true);
      assert.deepEqual([refusedElsewhere.name, refusedElsewhere.code], ['ConfigError', 'STORE_IN_USE'], JSON.stringify(refusedElsewhere));
      assert.equal((await call(first, '/dumps')).status, 200, 'the holder goes on as before');
      await stopChild(first.child, 'SIGKILL');
      assert.deepEqual(await startSecond(), { started: true }, "a killed holder's lock is taken over");
      assert.ok(!readdirSync(storeDir).includes('.maintenance-endpoint.lock'), 'a closed endpoint releases its lock');
    } finally {
      await first.stop();
    }
  });

  test('a sidecar judges files, not pids it cannot see: a cut file is left while it may still be written, a whole one is adopted, the armed job stays armed', async () => {
    const storeDir = join(base, 'sidecar-store');
    mkdirSync(storeDir, { mode: 0o700 });
    // A pid that answers nothing here, as the app's own pid does not from another container's pid namespace.
    const exited = await promisify(execFile)(process.execPath, ['-p', 'process.pid']);
    const absentPid = Number(exited.stdout.trim());
    const app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0', `--diagnostic-dir=${storeDir}`] });
    try {
      const sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`, '--store-dir', storeDir]);
      try {
        const ask = async (path: string) => {
          const response = await fetch(`${sidecar.url}${path}`, { headers: { authorization: `Bearer ${sidecar.token}` } });
          return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
        };
        const whole = (await ask('/heapsnapshot')).body;
        assert.ok(whole.toString('latin1').trimEnd().endsWith('"]}'), 'a whole snapshot to plant');
        const armed = json<Job>((await ask('/heapsnapshot?when=near-heap-limit')).body);
        assert.deepEqual([armed.status, armed.nearHeapLimit?.inStore, armed.nearHeapLimit?.pid], ['armed', true, app.child.pid]);
        const cut = `Heap.20260101.000000.${absentPid}.0.001.heapsnapshot`;
        const real = `Heap.20260101.000000.${absentPid}.0.002.heapsnapshot`;
        writeFileSync(join(storeDir, cut), whole.subarray(0, Math.floor(whole.length / 2)), { mode: 0o600 });
        writeFileSync(join(storeDir, real), whole, { mode: 0o600 });
        // Adopted only after it stayed unchanged a while: many scans have looked at the cut file by then.
        let dumps: Job[];
        for (;;) {
          ({ dumps } = json<{ dumps: Job[] }>((await ask('/dumps')).body));
          if (dumps.some((job) => job.fileName === real && job.status === 'ready')) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        assert.ok(readdirSync(storeDir).includes(cut), 'a cut file whose pid is absent is not removed: it may be one Node is still writing');
        assert.equal(dumps.find((job) => job.id === armed.id)?.status, 'armed', 'the armed job stays armed while its target is connected');
      } finally {
        await sidecar.stop();
      }
    } finally {
      await app.stop();
    }
  });

  test("a snapshot's writer is judged by its pid and start time: a pid reused by a process started after the file was written is not its writer", async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      const pid = child.pid!;
      assert.equal(writerGone(pid, Date.now() + 60_000), false, 'a live process that started before the file was last written may be writing it');
      assert.equal(writerGone(pid, Date.now() - 60_000), true, 'a process that started after the file was last written did not write it');
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    assert.equal(writerGone(child.pid!, Date.now()), true, 'a pid that answers nothing');
  });

  test('the store is recognised through a symbolic link (--diagnostic-dir may name the store by a link)', () => {
    const real = join(base, 'real-store');
    mkdirSync(real);
    const link = join(base, 'linked-store');
    symlinkSync(real, link);
    assert.equal(isSameDirectory(link, real), true);
    assert.equal(isSameDirectory(`${real}/`, real), true);
    assert.equal(isSameDirectory(base, real), false);
  });

  test('a heap snapshot file is whole only with its closing bracket: every cut is refused', async () => {
    const app = await startFixture({ mode: 'worker' });
    let snapshot: Buffer;
    try {
      const response = await call(app, '/heapsnapshot');
      assert.equal(response.status, 200);
      snapshot = response.body;
    } finally {
      await app.stop();
    }
    const dir = join(base, 'cuts');
    mkdirSync(dir);
    const path = join(dir, 'cut.heapsnapshot');
    writeFileSync(path, snapshot);
    assert.equal(isWholeHeapSnapshotFile(path), true);
    // Around the end of the header (V8's other `"]}`), through the body, and the last bytes.
    const headerEnd = snapshot.indexOf('"nodes":[');
    const cuts = new Set([0, 1, headerEnd - 2, headerEnd - 1, headerEnd, headerEnd + 10, snapshot.length - 3, snapshot.length - 2, snapshot.length - 1]);
    for (let i = 1; i < 50; i++) cuts.add(Math.floor((snapshot.length * i) / 50));
    for (const cut of cuts) {
      writeFileSync(path, snapshot.subarray(0, cut));
      assert.equal(isWholeHeapSnapshotFile(path), false, `cut at ${cut} of ${snapshot.length}`);
    }
  });
});
