import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { watchPeakRss } from '../scripts/bench/peak-rss.js';
import { runCli, startSidecar, type Sidecar } from './helpers/cli.js';
import { filesIn, startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, openStream, readAll, request } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3TestServer } from './helpers/s3-server.js';

const MIB = 1024 * 1024;
/** A secret the store refuses: it must never show up in an answer or a log line. */
const WRONG_SECRET = 'wrong-secret-Qx7Lm2Vb9Tz4';

function destinations(server: S3TestServer) {
  const common = { type: 's3', bucket: 'dumps', region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, partSize: 5 * MIB, queueSize: 2 };
  return {
    offsite: { ...common, prefix: 'tests', presignSeconds: 600, credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY } },
    refused: { ...common, prefix: 'refused', credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: WRONG_SECRET } },
  };
}

async function objectBytes(s3: S3Client, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: 'dumps', Key: key }));
  const chunks: Buffer[] = [];
  for await (const chunk of object.Body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function waitForStatus(app: Fixture, id: string, status: string, timeoutMs = 60_000): Promise<any> {
  return eventually(async () => {
    const job = (await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json();
    if (job.status === 'failed' && status !== 'failed') throw new Error(`job failed: ${job.error}`);
    return job.status === status ? job : undefined;
  }, timeoutMs, `job ${id} to be ${status}`);
}

/** Every log line of the app, and every answer the test saw, must be free of key material. */
function assertNoCredentials(text: string, where: string): void {
  for (const secret of [S3_SECRET_ACCESS_KEY, WRONG_SECRET]) assert.ok(!text.includes(secret), `${where} holds a secret`);
  assert.doesNotMatch(text, /X-Amz-Signature|X-Amz-Credential/i, `${where} holds a signature or a presigned URL`);
}

describe('egress from the endpoint (worker mode, a real S3-compatible server)', () => {
  let server: S3TestServer;
  let s3: S3Client;
  let app: Fixture;
  let parent: string;
  const answers: string[] = [];
  const openUploads = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: 'dumps' }))).Uploads ?? [];

  before(async () => {
    server = await startS3Server();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    parent = mkdtempSync(join(tmpdir(), 'me-egress-dumps-'));
    app = await startFixture({
      mode: 'worker',
      options: { egress: destinations(server), dumps: { directory: parent }, rateLimit: { heavy: { limit: 200 } } },
      env: { OTEL_SERVICE_NAME: 'checkout' },
    });
  });
  after(async () => {
    await app?.stop();
    s3?.destroy();
    await server?.stop();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  test('?egress= uploads a heap snapshot as it is taken: the object parses, its checksum matches, nothing stays local', async () => {
    const reply = await request(`${app.url}/heapsnapshot?egress=offsite`, { token: app.tokens.heap });
    answers.push(reply.body.toString());
    assert.equal(reply.status, 200, reply.body.toString());
    assert.match(String(reply.headers['content-type']), /^application\/json/);
    const result = reply.json();
    assert.equal(result.egress, 'offsite');
    assert.equal(result.bucket, 'dumps');
    // service, host, time, kind and the inspected process's pid
    assert.match(result.key, new RegExp(`^tests/checkout/[A-Za-z0-9._-]+/\\d{4}-\\d\\d-\\d\\dT[0-9-]+\\.\\d{3}Z-heap-snapshot-${app.child.pid}\\.heapsnapshot$`));

    const stored = await objectBytes(s3, result.key);
    assert.equal(stored.length, result.size);
    assert.equal(sha256(stored), result.sha256);
    assertWholeSnapshotWithPlantedObjects(stored);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dumps', Key: result.key }));
    assert.equal(head.Metadata?.sha256, result.sha256);

    // The presigned URL fetches the same bytes without credentials.
    const viaLink = Buffer.from(await (await fetch(result.presignedUrl)).arrayBuffer());
    assert.equal(sha256(viaLink), result.sha256);
    assert.ok(Date.parse(result.expiresAt) > Date.now());

    assert.deepEqual(await openUploads(), []);
    assert.deepEqual(filesIn(app.tmpdir), [], 'no spill or staging file left');
    const audit = app.auditLines().filter((line) => line.path === '/ops/heapsnapshot').at(-1)!;
    assert.deepEqual((audit.result as Record<string, unknown>).sha256, result.sha256, 'the audit line records the checksum');
  });

  test('an unknown destination is a 400 that names the configured ones', async () => {
    const reply = await request(`${app.url}/cpuprofile?seconds=1&egress=elsewhere`, { token: app.tokens.admin });
    assert.equal(reply.status, 400);
    const { error } = reply.json();
    assert.equal(error.code, 'INVALID_PARAMETER');
    assert.match(error.message, /"egress" must be one of the configured destinations: offsite, refused/);
  });

  test('a destination that refuses the upload: 502 with the reason, no upload left open, no secret in the answer', async () => {
    const reply = await request(`${app.url}/cpuprofile?seconds=1&format=pprof&egress=refused`, { token: app.tokens.admin });
    answers.push(reply.body.toString());
    assert.equal(reply.status, 502, reply.body.toString());
    const { error } = reply.json();
    assert.equal(error.code, 'EGRESS_UPLOAD_FAILED');
    assert.match(error.message, /^Upload to s3:\/\/dumps\/refused\/.+ failed \(SignatureDoesNotMatch, HTTP 403\)/);
    assert.deepEqual(await openUploads(), []);
  });

  test('a CPU profile goes up as pprof, named for its kind', async () => {
    const reply = await request(`${app.url}/cpuprofile?seconds=1&format=pprof&egress=offsite`, { token: app.tokens.admin });
    answers.push(reply.body.toString());
    const result = reply.json();
    assert.match(result.key, new RegExp(`-cpu-profile-${app.child.pid}\\.cpu\\.pb\\.gz$`));
    const profile = decodePprof(await objectBytes(s3, result.key));
    assert.equal(profile.defaultSampleType, 'cpu');
  });

  test('a scheduled dump with egress is uploaded when taken and leaves the local store', async () => {
    const reply = await request(`${app.url}/heapsnapshot?delay=1s&egress=offsite`, { token: app.tokens.heap });
    assert.equal(reply.status, 202);
    const job = reply.json();
    assert.equal(job.egress, 'offsite');
    const done = await waitForStatus(app, job.id, 'uploaded');
    answers.push(JSON.stringify(done));
    assert.equal(done.upload.egress, 'offsite');
    assert.match(done.upload.key, new RegExp(`-heap-snapshot-${app.child.pid}\\.heapsnapshot$`));
    const stored = await objectBytes(s3, done.upload.key);
    assert.equal(sha256(stored), done.upload.sha256);
    assertWholeSnapshotWithPlantedObjects(stored);
    assert.deepEqual(filesIn(parent).filter((path) => path.includes('/')), [], 'the store holds no file');
    assert.equal((await request(`${app.url}/dumps/${job.id}/file`, { token: app.tokens.heap })).status, 404);
    assert.deepEqual(await openUploads(), []);
  });

  test('a scheduled upload that fails marks the job failed with the reason and removes the local file', async () => {
    const reply = await request(`${app.url}/heapprofile?seconds=1&delay=1s&egress=refused`, { token: app.tokens.admin });
    const failed = await waitForStatus(app, reply.json().id, 'failed');
    answers.push(JSON.stringify(failed));
    assert.match(failed.error, /^Upload to s3:\/\/dumps\/refused\/.+ failed \(SignatureDoesNotMatch, HTTP 403\)/);
    assert.deepEqual(filesIn(parent).filter((path) => path.includes('/')), [], 'the store holds no file');
    assert.deepEqual(await openUploads(), []);
  });

  test('a client that leaves mid-upload leaves no multipart upload open, and frees the slot', async () => {
    await app.command({ cmd: 'grow-objects', count: 300_000 }, 'grown');
    const req = httpRequest(`${app.url}/heapsnapshot?egress=offsite`, { headers: { authorization: `Bearer ${app.tokens.heap}` } });
    req.on('error', () => {});
    req.end();
    await eventually(async () => (await openUploads()).length === 1, 60_000, 'an open multipart upload');
    req.destroy();
    await eventually(async () => (await openUploads()).length === 0, 30_000, 'the multipart upload aborted');
    await eventually(async () => (await request(`${app.url}/`, { token: app.tokens.admin })).json().operations.length === 0, 30_000, 'the slot freed');
    await eventually(async () => filesIn(app.tmpdir).length === 0, 30_000, 'no spill file left');
  });

  test("a large snapshot's upload costs the app no more peak RSS than a direct download of it", async () => {
    // The heap grown above (300,000 more small objects) makes a snapshot of about 40 MB; 600 MB: npm run bench -- --egress.
    const pid = app.child.pid!;
    const direct = await watchPeakRss(pid);
    const download = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    const downloaded = await readAll(download);
    const directGrowth = (await direct.finish()) - direct.rssBefore;

    const upload = await watchPeakRss(pid);
    const reply = await request(`${app.url}/heapsnapshot?egress=offsite`, { token: app.tokens.heap });
    const uploadGrowth = (await upload.finish()) - upload.rssBefore;
    answers.push(reply.body.toString());
    assert.equal(reply.status, 200, reply.body.toString());
    const { size } = reply.json();
    console.log(
      `snapshot ${(downloaded.length / MIB).toFixed(0)} MiB downloaded: peak RSS +${(directGrowth / MIB).toFixed(0)} MiB; ` +
        `${(size / MIB).toFixed(0)} MiB uploaded: +${(uploadGrowth / MIB).toFixed(0)} MiB (${direct.method})`,
    );
    assert.ok(size > 30 * MIB, `a large snapshot (${size} bytes)`);
    // Both are dominated by V8 building the snapshot; the upload adds at most its parts, 15 MiB here.
    assert.ok(uploadGrowth <= directGrowth + 16 * MIB, `upload +${uploadGrowth} against download +${directGrowth}`);
  });

  test('/debug/pprof/*: pprof a decoder reads, with the scopes of the routes they mirror', async () => {
    const cpu = await request(`${app.url}/debug/pprof/profile?seconds=1`, { token: app.tokens.admin });
    assert.equal(cpu.status, 200);
    const cpuProfile = decodePprof(cpu.body);
    assert.deepEqual(cpuProfile.sampleTypes, ['samples/count', 'cpu/nanoseconds']);
    assert.equal(cpuProfile.defaultSampleType, 'cpu');
    assert.equal(cpuProfile.periodType, 'cpu/nanoseconds');

    const allocating = app.command({ cmd: 'allocate', ms: 1500 }, 'allocated');
    const heap = await request(`${app.url}/debug/pprof/heap?seconds=2`, { token: app.tokens.admin });
    await allocating;
    assert.equal(heap.status, 200);
    const heapProfile = decodePprof(heap.body);
    assert.deepEqual(heapProfile.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    assert.equal(heapProfile.defaultSampleType, 'inuse_space');
    const inuse = heapProfile.samples.filter((sample) => sample.stack.some((frame) => frame.name === 'allocatingFunction')).reduce((sum, s) => sum + s.values[3]!, 0);
    assert.ok(inuse > 1024 * 1024, `allocatingFunction holds ${inuse} bytes in use (estimated)`);

    const { unblocked } = await app.block(3000);
    const text = await request(`${app.url}/debug/pprof/goroutine?debug=2`, { token: app.tokens.admin });
    assert.match(String(text.headers['content-type']), /^text\/plain/);
    assert.match(text.body.toString(), /^goroutine 1 \[running\]:\nbusyLoop\(\.\.\.\)\n\t\/.+fixtures\/app\.js:\d+\n/);
    const goroutines = await request(`${app.url}/debug/pprof/goroutine`, { token: app.tokens.admin });
    const goroutineProfile = decodePprof(goroutines.body);
    assert.deepEqual(goroutineProfile.sampleTypes, ['goroutine/count']);
    assert.equal(goroutineProfile.samples[0]!.stack[0]!.name, 'busyLoop');
    await unblocked;

    assert.equal((await request(`${app.url}/debug/pprof/profile?seconds=1`, { token: app.tokens.reader })).status, 403);
    assert.equal((await request(`${app.url}/debug/pprof/heap?format=heapprofile`, { token: app.tokens.admin })).status, 400, 'the format is fixed');
    const audit = app.auditLines().filter((line) => line.path === '/ops/debug/pprof/profile');
    assert.ok(audit.some((line) => line.status === 200), 'audited as any request');
  });

  test('no credential, signature or presigned URL in any log line or error', async () => {
    const index = await request(`${app.url}/`, { token: app.tokens.admin });
    assertNoCredentials(index.body.toString(), 'the index');
    const lines = app.auditText().split('\n').filter(Boolean);
    assert.ok(lines.length > 10);
    for (const line of lines) assertNoCredentials(line, `log line ${line.slice(0, 120)}`);
        // Errors and failed jobs; a successful answer carries a presigned URL, meant for the requester.
    const failures = answers.filter((text) => {
      const body = JSON.parse(text);
      return (typeof body.error === 'object' && body.error !== null) || body.status === 'failed';
    });
    assert.ok(failures.length >= 2);
    for (const answer of failures) assertNoCredentials(answer, `an error: ${answer}`);
    assert.ok(app.auditText().includes('scheduled dump uploaded'), 'uploads are logged');
  });
});

describe('egress from the sidecar (serve --egress-config)', () => {
  let server: S3TestServer;
  let target: Fixture;
  let sidecar: Sidecar | undefined;
  let dir: string;
  before(async () => {
    server = await startS3Server();
    dir = mkdtempSync(join(tmpdir(), 'me-egress-config-'));
    target = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
  });
  after(async () => {
    await sidecar?.stop();
    await target?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a config file others can read is refused at start-up, without quoting it', async () => {
    const file = join(dir, 'egress.json');
    writeFileSync(file, JSON.stringify(destinations(server)), { mode: 0o600 });
    chmodSync(file, 0o644);
    const run = await runCli(['serve', '--target', `127.0.0.1:${target.inspectorPort}`, '--egress-config', file], {
      env: { MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([{ id: 'x', token: 'x'.repeat(32), scopes: ['read'] }]) },
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /readable by group or others \(mode 644\).*chmod 600/);
    assertNoCredentials(run.stderr + run.stdout, 'the CLI output');
  });

  test("an upload through the sidecar is keyed by the target's service and pid, not the sidecar's", async () => {
    const file = join(dir, 'egress-private.json');
    writeFileSync(file, JSON.stringify(destinations(server)), { mode: 0o600 });
    sidecar = await startSidecar(['--target', `127.0.0.1:${target.inspectorPort}`, '--egress-config', file]);
    const reply = await request(`${sidecar.url}/heapsnapshot?egress=offsite`, { token: sidecar.token });
    assert.equal(reply.status, 200, reply.body.toString());
    const result = reply.json();
    assert.match(result.key, new RegExp(`^tests/app/[A-Za-z0-9._-]+/.+-heap-snapshot-${target.child.pid}\\.heapsnapshot$`));
    const stored = Buffer.from(await (await fetch(result.presignedUrl)).arrayBuffer());
    assert.equal(sha256(stored), result.sha256);
    assertWholeSnapshotWithPlantedObjects(stored);
  });
});
