/**
 * A child process serving an S3-compatible API for the egress tests: s3rver (a maintained fork), on
 * 127.0.0.1 and a port the system picks, storing into the directory given as argv[2]. It prints
 * `{"port":N}` once listening and stops on SIGTERM.
 *
 * s3rver implements multipart upload (Create, UploadPart, Complete), SigV4 header and query
 * (presigned) authentication, CopyObject and tagging, but answers ListMultipartUploads with
 * NotImplemented and has no AbortMultipartUpload. Those two are added here over s3rver's own on-disk
 * state (one directory per open upload), behind s3rver's own SigV4 check, so the tests can see
 * exactly which uploads the server still holds open.
 */
import { createRequire } from 'node:module';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver') as new (options: object) => S3rverInstance;
const authentication = require('@20minutes/s3rver/lib/middleware/authentication') as () => KoaMiddleware;
const S3Error = require('@20minutes/s3rver/lib/models/error') as new (code: string, message?: string, detail?: object) => Error;

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string>;
  params: Record<string, string | undefined>;
  state: Record<string, unknown>;
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string; getBucket(bucket: string): Promise<unknown> };
  status: number;
  body: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: KoaMiddleware[];
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

const directory = process.argv[2];
if (!directory) throw new Error('usage: s3-server-process DIRECTORY');
const buckets = (process.argv[3] ?? 'dumps').split(',');

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});

const checkSignature = authentication();

/** ListMultipartUploads (GET /bucket?uploads) and AbortMultipartUpload (DELETE /bucket/key?uploadId=). */
const multipartHousekeeping: KoaMiddleware = async (ctx, next) => {
  const [, rawBucket, ...rawKey] = ctx.path.split('/');
  const keyParts = rawKey.filter((part) => part !== '');
  const listing = ctx.method === 'GET' && rawBucket && keyParts.length === 0 && 'uploads' in ctx.query;
  const aborting = ctx.method === 'DELETE' && rawBucket && keyParts.length > 0 && typeof ctx.query.uploadId === 'string';
  if (!listing && !aborting) return next();
  const bucket = decodeURIComponent(rawBucket!);
  const key = keyParts.map(decodeURIComponent).join('/');
  // s3rver's check rebuilds the signed path from these; the SDK signs a bucket listing as "/bucket/".
  ctx.params = listing ? { bucket: ctx.path.endsWith('/') ? `${bucket}/` : bucket } : { bucket, key };
  await checkSignature(ctx, async () => {
    if (!(await ctx.store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    const uploadsDir = ctx.store.getResourcePath(bucket, undefined, 'uploads');
    if (listing) {
      const uploads = [];
      for (const uploadId of await readdir(uploadsDir).catch(() => [] as string[])) {
        const uploadKey = await readFile(join(uploadsDir, uploadId, 'key'), 'utf8').catch(() => undefined);
        if (uploadKey === undefined || !uploadKey.startsWith(ctx.query.prefix ?? '')) continue;
        const initiated = (await stat(join(uploadsDir, uploadId))).birthtime.toISOString();
        uploads.push({ Key: uploadKey, UploadId: uploadId, Initiated: initiated });
      }
      ctx.body = { ListMultipartUploadsResult: { Bucket: bucket, IsTruncated: false, Upload: uploads } };
      return;
    }
    const uploadDir = join(uploadsDir, ctx.query.uploadId!);
    const uploadKey = await readFile(join(uploadDir, 'key'), 'utf8').catch(() => undefined);
    if (uploadKey !== key) throw new S3Error('NoSuchUpload', 'The specified multipart upload does not exist.', { UploadId: ctx.query.uploadId });
    await rm(uploadDir, { recursive: true, force: true });
    ctx.status = 204;
  });
};

/**
 * A test's way to hold an upload mid-way for certain: `POST /_test/hold?fromPart=N` makes every
 * UploadPart numbered N or more wait (unanswered) until `POST /_test/release`. Part 1 goes through, so
 * the multipart upload exists and is listed while its uploader cannot finish.
 */
let holdFromPart = Number.POSITIVE_INFINITY;
let release: () => void = () => {};
let released = Promise.resolve();
const holdParts: KoaMiddleware = async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/_test/hold') {
    holdFromPart = Number(ctx.query.fromPart ?? 2);
    released = new Promise((resolve) => (release = resolve));
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'POST' && ctx.path === '/_test/release') {
    holdFromPart = Number.POSITIVE_INFINITY;
    release();
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'PUT' && typeof ctx.query.uploadId === 'string' && Number(ctx.query.partNumber) >= holdFromPart) await released;
  return next();
};

// Just before s3rver's router, after its XML encoder and error handler, so answers and errors look like S3's.
server.middleware.splice(server.middleware.length - 1, 0, holdParts, multipartHousekeeping);

const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
