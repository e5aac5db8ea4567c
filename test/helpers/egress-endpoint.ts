import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Fixture } from './fixture.js';
import { eventually, request } from './http.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, type S3TestServer } from './s3-server.js';

/** Shared by the egress tests: destinations on the test's S3-compatible server, and what they check. */
export const MIB = 1024 * 1024;
/** A secret the store refuses: it must never show up in an answer or a log line. */
export const WRONG_SECRET = 'wrong-secret-Qx7Lm2Vb9Tz4';

export function destinations(server: S3TestServer) {
  const common = { type: 's3', bucket: 'dumps', region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, partSize: 5 * MIB, queueSize: 2 };
  return {
    offsite: { ...common, prefix: 'tests', presignSeconds: 600, credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY } },
    refused: { ...common, prefix: 'refused', credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: WRONG_SECRET } },
  };
}

export async function objectBytes(s3: S3Client, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: 'dumps', Key: key }));
  const chunks: Buffer[] = [];
  for await (const chunk of object.Body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export async function waitForStatus(app: Fixture, id: string, status: string, timeoutMs = 60_000): Promise<any> {
  return eventually(async () => {
    const job = (await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json();
    if (job.status === 'failed' && status !== 'failed') throw new Error(`job failed: ${job.error}`);
    return job.status === status ? job : undefined;
  }, timeoutMs, `job ${id} to be ${status}`);
}

/** Every log line of the app, and every answer the test saw, must be free of key material. */
export function assertNoCredentials(text: string, where: string): void {
  for (const secret of [S3_SECRET_ACCESS_KEY, WRONG_SECRET]) assert.ok(!text.includes(secret), `${where} holds a secret`);
  assert.doesNotMatch(text, /X-Amz-Signature|X-Amz-Credential/i, `${where} holds a signature or a presigned URL`);
}
