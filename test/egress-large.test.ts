import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { watchPeakRss } from '../scripts/bench/peak-rss.js';
import { destinations, MIB } from './helpers/egress-endpoint.js';
import { filesIn, startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, openStream, readAll, request } from './helpers/http.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3TestServer } from './helpers/s3-server.js';

describe('egress of a large snapshot (worker mode, a real S3-compatible server)', () => {
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

});
