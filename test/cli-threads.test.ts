import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { CLI, cliSession } from './helpers/cli.js';

interface HeapSnapshotJson {
  strings: string[];
}

describe('CLI: --thread on the commands that take it (worker mode, an app with a worker thread)', () => {
  const session = cliSession({ script: 'threads-app.js', options: { eval: { enabled: true }, rateLimit: { heavy: { limit: 100 } } } });
  const { cli, json } = session;
  let worker: number;

  before(async () => {
    const listed = json(await cli(['threads', '--json'])).threads as Array<{ id: number; name: string }>;
    worker = listed.find((thread) => thread.name === 'renderer')!.id;
  });

  test('threads lists the main thread and the worker, with the id --thread takes', async () => {
    const run = await cli(['threads']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ {3}0 {2}main +heap [\d.]+ \w+ of [\d.]+ \w+, loop \d+% busy {2}file:\/\/.*threads-app\.js$/m);
    assert.match(run.stdout, new RegExp(`^ +${worker} {2}renderer +heap .*thread-worker\\.js$`, 'm'));
  });

  test('a --thread that names no live thread ends before any progress is printed, with the live ids; a malformed one too', async () => {
    for (const args of [['cpuprofile', '--seconds', '5'], ['heapsnapshot'], ['heapprofile', '--seconds', '5'], ['stack'], ['memory'], ['gc'], ['repl']]) {
      const run = await cli([...args, '--thread', '99999']);
      assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
      assert.equal(run.stderr.trim(), `maintenance-endpoint: ${args[0]} --thread 99999: THREAD_NOT_FOUND: no live thread has that id; the live threads are 0 (main), ${worker} (renderer) (nothing was sent)`);
    }
    const malformed = await cli(['cpuprofile', '--seconds', '5', '--thread', 'renderer']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /^maintenance-endpoint: cpuprofile --thread renderer: INVALID_PARAMETER: .*nothing was sent\)$/m);
    assert.doesNotMatch(malformed.stderr, /sampling/);
  });

  test("heapsnapshot, stack, memory and gc with --thread work on the worker, not the main thread", async () => {
    const snapshot = await cli(['heapsnapshot', '--thread', String(worker), '-o', 'worker.heapsnapshot']);
    assert.equal(snapshot.code, 0, snapshot.stderr);
    const strings = (JSON.parse(readFileSync(join(session.dir, 'worker.heapsnapshot'), 'utf8')) as HeapSnapshotJson).strings;
    assert.ok(strings.includes('WorkerThreadMarker') && !strings.includes('PlantedMarker'));
    assert.equal(json(await cli(['stack', '--thread', String(worker), '--json'])).thread, worker);
    assert.match((await cli(['stack', '--thread', String(worker)])).stdout, new RegExp(`^Worker thread ${worker} of process \\d+`));
    assert.equal(json(await cli(['memory', '--thread', String(worker), '--json'])).thread, worker);
    assert.ok(json(await cli(['gc', '--thread', String(worker), '--json'])).before.usedSize > 0);
    const scheduled = json(await cli(['cpuprofile', '--thread', String(worker), '--seconds', '1', '--delay', '1', '--json']));
    assert.equal(scheduled.thread, worker);
  });

  test("repl --thread evaluates in the worker's global scope", async () => {
    const child = spawn(process.execPath, [CLI, 'repl', '--url', session.app.url, '--thread', String(worker)], {
      env: { ...process.env, HOME: session.dir, MAINTENANCE_ENDPOINT_TOKEN: session.app.tokens.admin, MAINTENANCE_ENDPOINT_URL: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end(['workerMarkers.length', ''].join('\n'));
    assert.equal(await exited, 0);
    assert.deepEqual(stdout.split('\n').map((line) => line.replace(/^(app> )+/, '')).filter(Boolean), ['1000']);
  });
});
