import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { EgressError } from '../src/egress/egress-error.js';
import { resolveEgressOptions, type S3Destination } from '../src/options/egress-options.js';
import { buildObjectKey, DEFAULT_KEY_TEMPLATE, validateKeyTemplate } from '../src/egress/object-key.js';
import { uploadArtifact } from '../src/egress/upload-artifact.js';
import { generatedStream } from './helpers/generated-stream.js';
import { destinations } from './helpers/egress-endpoint.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3TestServer } from './helpers/s3-server.js';

const MIB = 1024 * 1024;
const run = promisify(execFile);
const UPLOAD_CHILD = fileURLToPath(new URL('./helpers/egress-upload-child.js', import.meta.url));
const PART = 5 * MIB;

/** An endless stream that keeps producing while read; `produced()` tells how far it got. */
function endless(): { stream: Readable; produced: () => number } {
  const chunk = Buffer.alloc(64 * 1024, 7);
  let produced = 0;
  const stream = new Readable({
    read() {
      produced += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, produced: () => produced };
}

function destinationFor(server: S3TestServer, extra: Record<string, unknown> = {}): S3Destination {
  return resolveEgressOptions({
    offsite: {
      type: 's3',
      bucket: 'dumps',
      prefix: 'tests',
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
      partSize: PART,
      queueSize: 2,
      ...extra,
    },
  }).get('offsite')!;
}

const artifact = { kind: 'heap-snapshot', extension: 'heapsnapshot', contentType: 'application/json', identity: { service: 'checkout api', host: 'pod-7', pid: 42 } };

describe('egress to an S3-compatible server', () => {
  let server: S3TestServer;
  let s3: S3Client;
  before(async () => {
    server = await startS3Server();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
  });
  after(async () => {
    s3?.destroy();
    await server?.stop();
  });

  const openUploads = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: 'dumps' }))).Uploads ?? [];

  test('a streamed multipart upload stores the exact bytes, with their SHA-256 in the metadata', async () => {
    const data = generatedStream(3 * PART + 12345);
    const result = await uploadArtifact(destinationFor(server), { ...artifact, metadata: { reason: 'test' } }, data.stream);
    const expected = data.sha256();
    assert.equal(result.bucket, 'dumps');
    assert.match(result.key, /^tests\/checkout-api\/pod-7\/42-[0-9a-f]{12}t[0-9a-z]+\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-heap-snapshot\.heapsnapshot$/);
    assert.equal(result.size, 3 * PART + 12345);
    assert.equal(result.sha256, expected);
    assert.equal(result.checksumStoredAs, 'metadata');
    assert.equal(result.presignedUrl, undefined);

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dumps', Key: result.key }));
    assert.equal(head.ContentLength, result.size);
    assert.equal(head.ContentType, 'application/json');
    assert.deepEqual(head.Metadata, { reason: 'test', kind: 'heap-snapshot', sha256: expected });
    const object = await s3.send(new GetObjectCommand({ Bucket: 'dumps', Key: result.key }));
    const stored = createHash('sha256');
    for await (const chunk of object.Body as Readable) stored.update(chunk as Buffer);
    assert.equal(stored.digest('hex'), expected);
    assert.deepEqual(await openUploads(), []);
  });

  test('an artifact smaller than a part goes up in one PUT, checksum included', async () => {
    const data = generatedStream(1000);
    const result = await uploadArtifact(destinationFor(server), artifact, data.stream);
    assert.equal(result.size, 1000);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dumps', Key: result.key }));
    assert.equal(head.Metadata?.sha256, data.sha256());
  });

  test('presignSeconds yields a URL that fetches the object without credentials, until expiresAt', async () => {
    const data = generatedStream(PART + 1);
    const before = Date.now();
    const result = await uploadArtifact(destinationFor(server, { presignSeconds: 600 }), artifact, data.stream);
    const expected = data.sha256();
    assert.ok(result.presignedUrl?.startsWith(`${server.endpoint}/dumps/tests/`));
    const expiresAt = Date.parse(result.expiresAt!);
    assert.ok(expiresAt >= before + 600_000 && expiresAt <= Date.now() + 600_000, result.expiresAt);

    const response = await fetch(result.presignedUrl!);
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-disposition')), /^attachment; filename=".+\.heapsnapshot"$/);
    assert.equal(response.headers.get('x-amz-meta-sha256'), expected);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(createHash('sha256').update(body).digest('hex'), expected);

    // The signature is what grants access: altered, the same URL is refused.
    const forged = result.presignedUrl!.replace(/X-Amz-Signature=([0-9a-f])/, (_match, digit: string) => `X-Amz-Signature=${digit === '0' ? '1' : '0'}`);
    assert.equal((await fetch(forged)).status, 403);
  });

  test('aborting mid-way stops the upload and aborts its multipart upload: none left open', async () => {
    const source = endless();
    const controller = new AbortController();
    const uploading = uploadArtifact(destinationFor(server), artifact, source.stream, controller.signal);
    uploading.catch(() => {});
    // Wait until the server holds an open upload with parts in it.
    await eventually(async () => source.produced() > 3 * PART && (await openUploads()).length === 1, 30_000, 'an open multipart upload');
    controller.abort(new Error('operator cancelled'));
    await assert.rejects(uploading, (error: unknown) => {
      assert.ok(error instanceof EgressError);
      assert.equal(error.code, 'EGRESS_ABORTED');
      assert.match(error.message, /^Upload to s3:\/\/dumps\/tests\/.+ was cancelled \(operator cancelled\); its multipart upload was aborted\.$/);
      return true;
    });
    assert.deepEqual(await openUploads(), []);
    assert.ok(source.stream.destroyed, 'the source is torn down');
  });

  test('a source that fails mid-way aborts the multipart upload: none left open', async () => {
    const source = endless();
    const uploading = uploadArtifact(destinationFor(server), artifact, source.stream);
    uploading.catch(() => {});
    await eventually(async () => source.produced() > 3 * PART && (await openUploads()).length === 1, 30_000, 'an open multipart upload');
    source.stream.destroy(new Error('heap snapshot failed: target closed'));
    await assert.rejects(uploading, (error: unknown) => {
      assert.ok(error instanceof EgressError);
      assert.equal(error.code, 'EGRESS_SOURCE_FAILED');
      assert.match(error.message, /stopped because the artifact failed \(heap snapshot failed: target closed\); its multipart upload was aborted\.$/);
      return true;
    });
    assert.deepEqual(await openUploads(), []);
  });

  test('a server that refuses the credentials fails the upload with its reason and without the secret', async () => {
    const secret = 'wJalrXUtnFEMI-not-the-right-secret-K7MDENG';
    const data = generatedStream(2 * PART);
    const destination = destinationFor(server, { credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: secret } });
    await assert.rejects(uploadArtifact(destination, artifact, data.stream), (error: unknown) => {
      assert.ok(error instanceof EgressError);
      assert.equal(error.code, 'EGRESS_UPLOAD_FAILED');
      assert.equal(error.s3Code, 'SignatureDoesNotMatch');
      assert.equal(error.httpStatus, 403);
      assert.match(error.message, /^Upload to s3:\/\/dumps\/tests\/.+ failed \(SignatureDoesNotMatch, HTTP 403\): .*signature/);
      assert.ok(!error.message.includes(secret) && !JSON.stringify(error).includes(secret) && !String(error.stack).includes(secret));
      return true;
    });
    assert.ok(data.stream.destroyed, 'the source is torn down');
    assert.deepEqual(await openUploads(), []);
  });

  test('an unknown bucket fails with NoSuchBucket', async () => {
    const data = generatedStream(100);
    await assert.rejects(uploadArtifact(destinationFor(server, { bucket: 'no-such-bucket' }), artifact, data.stream), (error: unknown) => {
      assert.ok(error instanceof EgressError);
      assert.equal(error.s3Code, 'NoSuchBucket');
      assert.equal(error.httpStatus, 404);
      return true;
    });
  });

  test('memory stays near queueSize x partSize, not the artifact size (measured in a fresh process)', async () => {
    const total = 256 * MIB;
    const queueSize = 2;
    const bound = (queueSize + 1) * PART;
    const { stdout } = await run(process.execPath, ['--expose-gc', UPLOAD_CHILD, 'upload', String(total), server.endpoint, String(PART), String(queueSize)]);
    const measured = JSON.parse(stdout.trim().split('\n').at(-1)!) as { seconds: number; rssBefore: number; peakRss: number };
    const growth = measured.peakRss - measured.rssBefore;
    console.log(`uploaded ${total / MIB} MiB in ${measured.seconds.toFixed(1)} s; peak RSS grew ${(growth / MIB).toFixed(1)} MiB (parts in memory at most ${bound / MIB} MiB)`);
    // Each part is gathered from small chunks and copied once; the chunks wait for the next GC. So a
    // few times the parts' size, never the data's: the bench shows the same growth for 600 MiB.
    assert.ok(growth < 4 * bound + 32 * MIB, `peak RSS grew ${(growth / MIB).toFixed(1)} MiB for a ${total / MIB} MiB upload`);
  });
});

describe('egress start-up cost (real endpoints with egress configured)', () => {
  let server: S3TestServer;
  const apps: Fixture[] = [];
  before(async () => {
    server = await startS3Server();
  });
  after(async () => {
    for (const app of apps) await app.stop();
    await server?.stop();
  });

  // Preloaded into the app: an in-thread module hook (module.registerHooks) counts the @aws-sdk modules
  // the app's main thread resolves. A worker thread runs the preload too, but counts in its own global.
  const COUNTER = `import { registerHooks } from 'node:module';
    globalThis.awsSdkResolves = 0;
    registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith('@aws-sdk/')) globalThis.awsSdkResolves++; return next(specifier, context); } });`;
  const start = async (mode: 'router' | 'worker') => {
    const app = await startFixture({
      mode,
      nodeArgs: [`--import=data:text/javascript,${encodeURIComponent(COUNTER)}`],
      options: { egress: destinations(server), eval: { enabled: true, maxTimeoutMs: 5000 } },
      env: { OTEL_SERVICE_NAME: 'checkout' },
    });
    apps.push(app);
    return app;
  };
  const onAppThread = async (app: Fixture, expression: string): Promise<number> => {
    const reply = await request(`${app.url}/eval`, { token: app.tokens.admin, method: 'POST', json: { expression } });
    assert.equal(reply.status, 200, reply.body.toString());
    return (reply.json() as { result: { value: number } }).result.value;
  };
  const swept = (app: Fixture) => app.auditLines().some((line) => line.msg === 'stale multipart uploads swept' && line.destination === 'offsite');

  test('router mode: the app\'s thread loads no AWS SDK module until an upload, and the sweep runs at that upload', async () => {
    const app = await start('router');
    // Three times the delay after which a background sweep would have loaded the SDK on this thread.
    await eventually(async () => (await onAppThread(app, 'process.uptime()')) > 3, 30_000, 'the app running for 3 s');
    assert.equal(await onAppThread(app, 'globalThis.awsSdkResolves'), 0, 'no @aws-sdk module resolved before the first upload');
    assert.equal(swept(app), false, 'no sweep before the first upload');
    const reply = await request(`${app.url}/heapsnapshot?egress=offsite`, { token: app.tokens.heap });
    assert.equal(reply.status, 200, reply.body.toString());
    const loaded = await onAppThread(app, 'globalThis.awsSdkResolves');
    assert.ok(loaded >= 3, `the SDK loads for the upload (${loaded} resolutions)`);
    await eventually(async () => swept(app), 30_000, 'the sweep at the first upload');
    console.log(`router mode: 0 @aws-sdk resolutions on the app's thread before the upload, ${loaded} after`);
  });

  test("worker mode: the background sweep runs in the endpoint's worker, never on the app's thread", async () => {
    const app = await start('worker');
    await eventually(async () => swept(app), 60_000, 'the background sweep');
    assert.equal(await onAppThread(app, 'globalThis.awsSdkResolves'), 0, "no @aws-sdk module on the app's thread after the sweep");
  });
});

describe('egress options', () => {
  const valid = { type: 's3', bucket: 'my-dumps', region: 'eu-west-1' };
  const problem = (options: Record<string, unknown>): string => {
    try {
      resolveEgressOptions({ offsite: options });
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  test('defaults apply to a minimal destination', () => {
    const destination = resolveEgressOptions({ offsite: valid }).get('offsite')!;
    assert.deepEqual(
      { ...destination },
      {
        name: 'offsite', type: 's3', bucket: 'my-dumps', prefix: '', region: 'eu-west-1', endpoint: undefined, forcePathStyle: false,
        credentials: undefined, serverSideEncryption: undefined, sseKmsKeyId: undefined, presignSeconds: undefined,
        keyTemplate: DEFAULT_KEY_TEMPLATE, partSize: 8 * MIB, queueSize: 4,
      },
    );
    assert.equal(resolveEgressOptions({ offsite: { ...valid, prefix: 'prod/dumps' } }).get('offsite')!.prefix, 'prod/dumps/');
    assert.equal(resolveEgressOptions(undefined).size, 0);
  });

  test('each mistake is named, with what is expected', () => {
    assert.equal(problem({ ...valid, type: 'gcs' }), 'egress.offsite.type must be "s3" (the only kind of destination so far).');
    assert.match(problem({ ...valid, bucket: 'My_Bucket' }), /^egress\.offsite\.bucket must be a bucket name/);
    assert.match(problem({ ...valid, region: undefined }), /^egress\.offsite\.region must be/);
    assert.match(problem({ ...valid, buckt: 'x' }), /^egress\.offsite\.buckt is not an option/);
    assert.match(problem({ ...valid, endpoint: 'minio:9000' }), /^egress\.offsite\.endpoint must be an http or https URL|^egress\.offsite\.endpoint must be an absolute/);
    assert.match(problem({ ...valid, prefix: '../up' }), /^egress\.offsite\.prefix must be path segments/);
    assert.match(problem({ ...valid, presignSeconds: 8 * 86400 }), /^egress\.offsite\.presignSeconds must be an integer from 1 to 604800/);
    assert.match(problem({ ...valid, partSize: MIB }), /^egress\.offsite\.partSize must be an integer from 5242880/);
    assert.match(problem({ ...valid, sseKmsKeyId: 'k' }), /only applies with serverSideEncryption "aws:kms"/);
    assert.match(problem({ ...valid, keyTemplate: '{service}/{kind}' }), /must hold \{time\} or \{random\}/);
    assert.match(problem({ ...valid, keyTemplate: '{time}-{user}' }), /unknown fields \{user\}/);
  });

  test('no message repeats a credential, wherever it was put', () => {
    const secret = 'AKIA-SECRET-abcdefghijklmnop/+=';
    const messages = [
      problem({ ...valid, credentials: { accessKeyId: secret } }),
      problem({ ...valid, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 42, [secret]: 1 } }),
      problem({ ...valid, credentials: secret }),
      problem({ ...valid, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: secret, sessionToken: 7 } }),
      problem({ ...valid, endpoint: `https://AKIAEXAMPLE:${encodeURIComponent(secret)}@minio.example` }),
      problem({ ...valid, endpoint: secret }),
    ];
    for (const message of messages) {
      assert.notEqual(message, 'accepted');
      assert.ok(!message.includes(secret) && !message.includes(encodeURIComponent(secret)), message);
    }
  });
});

describe('object keys', () => {
  const identity = { service: 'shop/../../etc', host: 'web-5f7c9d-x2k4p', pid: 1234, instance: '3f9a1c2b7d10t5k2p' };
  const now = new Date('2026-01-25T10:30:00.123Z');

  test('the default key: service, host, pid and instance, time, kind, under the prefix, with the extension', () => {
    assert.equal(
      buildObjectKey({ prefix: 'prod/', template: DEFAULT_KEY_TEMPLATE, identity, kind: 'cpu-profile', extension: 'pb.gz', now }),
      'prod/shop-..-..-etc/web-5f7c9d-x2k4p/1234-3f9a1c2b7d10t5k2p/2026-01-25T10-30-00.123Z-cpu-profile.pb.gz',
    );
  });

  test('a template of its own, and values reduced to safe characters', () => {
    const key = buildObjectKey({ prefix: '', template: '{date}/{service}-{random}', identity: { ...identity, service: 'Zahlungs dienst ü' }, kind: 'x', extension: '.heapsnapshot', now });
    assert.match(key, /^2026-01-25\/Zahlungs-dienst-[0-9a-f]{8}\.heapsnapshot$/);
    assert.match(key, /^[A-Za-z0-9._/-]+$/);
  });

  test('templates that could write outside the prefix or overwrite are refused', () => {
    assert.equal(validateKeyTemplate(DEFAULT_KEY_TEMPLATE), undefined);
    assert.match(validateKeyTemplate('/{time}')!, /must not start or end with "\/"/);
    assert.match(validateKeyTemplate('../{time}')!, /"\." or "\.\." segments/);
    assert.match(validateKeyTemplate('{time} {kind}')!, /may hold only/);
    assert.match(validateKeyTemplate('{kind}')!, /\{time\} or \{random\}/);
  });
});
