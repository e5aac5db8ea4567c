import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CLEAN_CLI_ENV, runCli } from './helpers/cli.js';
import { assertNoCredentials, objectBytes, sha256, waitForStatus } from './helpers/egress-endpoint.js';
import { startEgressSession, type EgressSession } from './helpers/egress-session.js';
import { filesIn, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, request } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

describe('egress from the endpoint (worker mode, a real S3-compatible server)', () => {
  let session: EgressSession;
  let s3: S3Client;
  let app: Fixture;
  let parent: string;
  const answers: string[] = [];
  const openUploads = () => session.openUploads();

  before(async () => {
    session = await startEgressSession();
    ({ s3, dumpsDirectory: parent } = session);
    app = await session.startApp();
  });
  after(async () => {
    await session?.stop();
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
    assert.match(result.key, new RegExp(`^tests/checkout/[A-Za-z0-9._-]+/${app.child.pid}-[0-9a-f]{12}t[0-9a-z]+/\\d{4}-\\d\\d-\\d\\dT[0-9-]+\\.\\d{3}Z-heap-snapshot\\.heapsnapshot$`));

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
    assert.match(result.key, new RegExp(`/${app.child.pid}-[0-9a-z]+/[^/]+-cpu-profile\\.cpu\\.pb\\.gz$`));
    const profile = decodePprof(await objectBytes(s3, result.key));
    assert.equal(profile.defaultSampleType, 'cpu');
  });

  test("{service} is the app's own in worker and router mode: without OTEL_SERVICE_NAME, its script's name", async () => {
    for (const mode of ['worker', 'router'] as const) {
      const unnamed = await session.startApp({ mode, env: { OTEL_SERVICE_NAME: '' } });
      const reply = await request(`${unnamed.url}/cpuprofile?seconds=1&egress=offsite`, { token: unnamed.tokens.admin });
      assert.equal(reply.status, 200, reply.body.toString());
      answers.push(reply.body.toString());
      assert.match(reply.json().key, new RegExp(`^tests/app/[A-Za-z0-9._-]+/${unnamed.child.pid}-`), `${mode} mode: ${reply.json().key}`);
    }
  });

  test('the CLI uploads with --egress and prints where the artifact landed', async () => {
    const env = { ...CLEAN_CLI_ENV, MAINTENANCE_ENDPOINT_TOKEN: app.tokens.admin };
    const run = await runCli(['cpuprofile', '--seconds', '1', '--format', 'pprof', '--egress', 'offsite', '--json', '--url', app.url], { env });
    assert.equal(run.code, 0, run.stderr);
    answers.push(run.stdout);
    const result = JSON.parse(run.stdout);
    assert.equal(decodePprof(await objectBytes(s3, result.key)).defaultSampleType, 'cpu');
    const human = await runCli(['heapprofile', '--seconds', '1', '--egress', 'offsite', '--url', app.url], { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^key +\S+heap-profile\.heapprofile$/m);
  });

  test('a scheduled dump with egress is uploaded when taken and leaves the local store', async () => {
    const reply = await request(`${app.url}/heapsnapshot?delay=1s&egress=offsite`, { token: app.tokens.heap });
    assert.equal(reply.status, 202);
    const job = reply.json();
    assert.equal(job.egress, 'offsite');
    const done = await waitForStatus(app, job.id, 'uploaded');
    answers.push(JSON.stringify(done));
    assert.equal(done.upload.egress, 'offsite');
    assert.match(done.upload.key, new RegExp(`/${app.child.pid}-[0-9a-z]+/[^/]+-heap-snapshot\\.heapsnapshot$`));
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

  test('no credential, signature or presigned URL in any log line or error', async () => {
    // The sweep of killed uploads at start-up reports on both destinations; the refused one's failure too.
    await eventually(async () => app.auditText().includes('stale multipart upload sweep failed'), 30_000, 'the sweep of the refused destination');
    assert.match(app.auditText(), /"msg":"stale multipart uploads swept".*"destination":"offsite"|"destination":"offsite".*"msg":"stale multipart uploads swept"/);
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
