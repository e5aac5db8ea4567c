import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliSession } from './helpers/cli.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually } from './helpers/http.js';

describe('CLI: scheduling and dumps against a running endpoint (worker mode)', () => {
  const session = cliSession();
  const { cli, json } = session;

  test('scheduling: --delay answers with the job id and how to fetch it; dumps list, get, download, delete', async () => {
    const scheduled = await cli(['heapsnapshot', '--delay', '1s']);
    assert.equal(scheduled.code, 0, scheduled.stderr);
    const id = /^Scheduled heapsnapshot (\S+): at /.exec(scheduled.stdout)?.[1];
    assert.ok(id, scheduled.stdout);
    assert.ok(scheduled.stdout.includes(`maintenance-endpoint dumps download ${id} --url ${session.app.url}`));
    await eventually(async () => json(await cli(['dumps', 'get', id, '--json'])).status === 'ready', 30_000, 'the dump to be ready');
    assert.ok(json(await cli(['dumps', '--json'])).dumps.some((job: { id: string }) => job.id === id));
    assert.match((await cli(['dumps', 'list'])).stdout, new RegExp(`^${id} +heapsnapshot +ready `, 'm'));
    const download = json(await cli(['dumps', 'download', id, '-o', 'scheduled.heapsnapshot', '--json']));
    assert.equal(download.bytes, statSync(join(session.dir, 'scheduled.heapsnapshot')).size);
    assertWholeSnapshotWithPlantedObjects(readFileSync(join(session.dir, 'scheduled.heapsnapshot')));
    assert.deepEqual(json(await cli(['dumps', 'delete', id, '--json'])), { id, deleted: true });
    const gone = await cli(['dumps', 'get', id]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404 /);
    assert.doesNotMatch(gone.stderr, /base path/, 'a missing dump is not a wrong URL');
  });

  test('--at with a +hh:mm offset reaches the endpoint intact; --when with --expires; --json gives the job', async () => {
    const at = new Date(Date.now() + 3_600_000);
    // The same instant written at +01:00: its wall time is an hour on (date included, past 23:00 UTC too).
    const local = `${new Date(at.getTime() + 3_600_000).toISOString().slice(0, 19)}+01:00`;
    const job = json(await cli(['cpuprofile', '--at', local, '--seconds', '1', '--json']));
    assert.equal(job.status, 'scheduled');
    assert.equal(Date.parse(job.trigger.at), Date.parse(local));
    const gcJob = json(await cli(['heapprofile', '--when', 'heap-above:80%', '--expires', '1h', '--json']));
    assert.equal(gcJob.trigger.ratio, 0.8);
    for (const id of [job.id, gcJob.id]) assert.equal((await cli(['dumps', 'delete', id])).code, 0);
  });

  test('dumps usage mistakes are usage errors', async () => {
    assert.equal((await cli(['dumps', 'get'])).code, 2);
    assert.equal((await cli(['dumps', 'frobnicate', 'x'])).code, 2);
    assert.equal((await cli(['dumps', 'get', 'a', 'b'])).code, 2);
  });
});

