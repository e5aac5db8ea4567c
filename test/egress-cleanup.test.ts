import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { objectBytes, sha256, waitForStatus } from './helpers/egress-endpoint.js';
import { startEgressSession, type EgressSession } from './helpers/egress-session.js';
import { filesIn, stopChild, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/** A heap whose snapshot (about 40 MB) takes several parts of 5 MiB: an upload can be held after its first. */
const GROW = { cmd: 'grow-objects', count: 300_000 };

interface SweepLine {
  msg: string;
  destination: string;
  aborted: string[];
  live: number;
}

/** The app's report of its sweep of `offsite`, once it has swept. */
async function sweptOffsite(app: Fixture): Promise<SweepLine> {
  return eventually(
    async () => app.auditLines().find((line) => line.msg === 'stale multipart uploads swept' && line.destination === 'offsite') as SweepLine | undefined,
    60_000,
    'the sweep of offsite',
  );
}

describe('no multipart upload left open (worker mode, a real S3-compatible server)', () => {
  let session: EgressSession;

  before(async () => {
    session = await startEgressSession();
  });
  after(async () => {
    await session?.server.release();
    await session?.stop();
  });

  test('a client that leaves while its artifact is uploading: the multipart upload is aborted, the slot freed, no spill file left', async () => {
    const app = await session.startApp();
    await app.command(GROW, 'grown');
    // Parts from the second on wait at the store: the snapshot is taken, staged, and its upload cannot finish.
    await session.server.holdParts(2);
    const req = httpRequest(`${app.url}/heapsnapshot?egress=offsite`, { headers: { authorization: `Bearer ${app.tokens.heap}` } });
    req.on('error', () => {});
    req.end();
    const phase = async () => (await request(`${app.url}/`, { token: app.tokens.admin })).json().operations[0]?.progress?.phase;
    await eventually(async () => (await phase()) === 'uploading', 120_000, 'the uploading phase');
    assert.equal((await session.openUploads()).length, 1);
    req.destroy();
    // The request's audit line is written when the endpoint sees the client go, and the upload is cancelled then.
    await eventually(async () => app.auditLines().some((line) => line.path === '/ops/heapsnapshot'), 30_000, 'the client gone');
    await session.server.release();
    await eventually(async () => (await session.openUploads()).length === 0, 60_000, 'the multipart upload aborted');
    await eventually(async () => (await request(`${app.url}/`, { token: app.tokens.admin })).json().operations.length === 0, 30_000, 'the slot freed');
    await eventually(async () => filesIn(app.tmpdir).length === 0, 30_000, 'no spill file left');
    const line = app.auditLines().find((entry) => entry.path === '/ops/heapsnapshot')!;
    assert.notEqual(line.status, 200);
    await app.stop();
  });

  test('a scheduled upload cancelled by DELETE /dumps/{id}: its multipart upload is aborted and the job is gone', async () => {
    const app = await session.startApp();
    await app.command(GROW, 'grown');
    await session.server.holdParts(2);
    const job = (await request(`${app.url}/heapsnapshot?delay=1s&egress=offsite`, { token: app.tokens.heap })).json();
    await waitForStatus(app, job.id, 'uploading', 120_000);
    await eventually(async () => (await session.openUploads()).length === 1, 60_000, 'the multipart upload listed');
    const cancel = await request(`${app.url}/dumps/${job.id}`, { token: app.tokens.heap, method: 'DELETE' });
    assert.equal(cancel.status, 204, cancel.body.toString());
    await session.server.release();
    await eventually(async () => (await session.openUploads()).length === 0, 60_000, 'the multipart upload aborted');
    assert.equal((await request(`${app.url}/dumps/${job.id}`, { token: app.tokens.admin })).status, 404, 'the job is gone');
    await eventually(async () => filesIn(session.dumpsDirectory).filter((path) => path.includes('/')).length === 0, 30_000, 'the local file removed');
    const log = app.auditText();
    assert.doesNotMatch(log, /scheduled dump uploaded/);
    await app.stop();
  });

  test("a process killed mid-upload: the next process with the same egress config aborts its upload, and leaves a live process's alone", async () => {
    await session.server.holdParts(2);
    // A live process whose upload stays open (held at the store) throughout.
    const live = await session.startApp();
    await live.command(GROW, 'grown');
    const liveReply = request(`${live.url}/heapsnapshot?egress=offsite`, { token: live.tokens.heap });
    const liveKey = await eventually(async () => (await session.openUploads()).find((upload) => upload.Key!.includes(`/${live.child.pid}-`))?.Key, 120_000, "the live process's upload listed");

    // A process that starts an upload and is killed while it is open.
    const victim = await session.startApp();
    const victimSweep = await sweptOffsite(victim);
    assert.deepEqual(victimSweep.aborted, [], 'a live process\'s upload is not aborted');
    assert.ok(victimSweep.live >= 1, JSON.stringify(victimSweep));
    await victim.command(GROW, 'grown');
    void request(`${victim.url}/heapsnapshot?egress=offsite`, { token: victim.tokens.heap }).catch(() => {});
    const victimKey = await eventually(async () => (await session.openUploads()).find((upload) => upload.Key!.includes(`/${victim.child.pid}-`))?.Key, 120_000, "the victim's upload listed");
    await stopChild(victim.child, 'SIGKILL');
    assert.deepEqual((await session.openUploads()).map((upload) => upload.Key).sort(), [liveKey, victimKey].sort(), 'the killed upload stays open');

    // The next process with the same configuration (another pid on this host) sweeps it at start.
    const successor = await session.startApp();
    const sweep = await sweptOffsite(successor);
    assert.deepEqual(sweep.aborted, [victimKey]);
    assert.deepEqual((await session.openUploads()).map((upload) => upload.Key), [liveKey], "only the live process's upload is open");

    // The live upload was never touched: released, it completes whole.
    await session.server.release();
    const reply = await liveReply;
    assert.equal(reply.status, 200, reply.body.toString());
    const result = reply.json();
    assert.equal(result.key, liveKey);
    assert.equal(sha256(await objectBytes(session.s3, result.key)), result.sha256);
    assert.deepEqual(await session.openUploads(), []);
  });
});
