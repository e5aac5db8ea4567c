import { basename } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { describeS3Failure, EgressError } from './egress-error.js';
import type { S3Destination } from '../options/egress-options.js';
import { artifactIdentity, buildObjectKey, type ArtifactIdentity } from './object-key.js';
import { createS3Client, loadS3Sdk, type S3Sdk } from './s3-sdk.js';
import { Sha256Tap } from './sha256-tap.js';
import { sweepBeforeUpload } from './stale-upload-sweeper.js';

export interface ArtifactDescription {
  /** What it is, for the key and the metadata: `heap-snapshot`, `cpu-profile`, `heap-profile`... */
  kind: string;
  /** `heapsnapshot`, `cpuprofile`, `pb.gz`...: appended to the key. */
  extension: string;
  contentType: string;
  /** Extra user metadata (x-amz-meta-*): short ASCII values. `sha256` is added by the upload. */
  metadata?: Record<string, string>;
  /** Whose artifact it is; this process's by default (a sidecar passes the inspected process's). */
  identity?: Partial<ArtifactIdentity>;
}

export interface UploadResult {
  bucket: string;
  key: string;
  /** Bytes uploaded. */
  size: number;
  /** Hex SHA-256 of the bytes uploaded, computed while streaming. */
  sha256: string;
  /**
   * Where the checksum was recorded on the object: user metadata `x-amz-meta-sha256` (objects up to
   * 5 GiB, where S3 can rewrite metadata by copying the object onto itself), or an object tag
   * `sha256` (larger objects), or nowhere when the store refused both (the value above still holds).
   */
  checksumStoredAs: 'metadata' | 'tag' | 'none';
  /** A GET URL that needs no credentials, when the destination sets presignSeconds. */
  presignedUrl?: string;
  /** When presignedUrl stops working (ISO 8601). */
  expiresAt?: string;
}

/** An upload as answers and jobs show it: the destination's name, then where the object landed. */
export type LandedUpload = { egress: string } & UploadResult;

export function landedUpload(egress: string, upload: UploadResult): LandedUpload {
  return {
    egress,
    bucket: upload.bucket,
    key: upload.key,
    size: upload.size,
    sha256: upload.sha256,
    checksumStoredAs: upload.checksumStoredAs,
    ...(upload.presignedUrl !== undefined && { presignedUrl: upload.presignedUrl, expiresAt: upload.expiresAt! }),
  };
}

/** The largest object S3 copies in one CopyObject; beyond it the checksum goes in a tag. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;

/**
 * Streams `source` into a multipart upload at `destination`, computing its SHA-256 on the way.
 *
 * Memory: lib-storage cuts the stream into parts of `partSize` and keeps at most `queueSize` of them in
 * flight, pulling the next part from the stream only when one has been sent. So one upload holds at
 * most about (queueSize + 1) x partSize bytes (the parts in flight plus the one being gathered), 40 MiB
 * with the defaults, whatever the artifact's size; the source is paused (backpressure) meanwhile.
 *
 * Failure: when the source errors, the store fails or `signal` fires, the multipart upload is aborted
 * before this rejects (no parts left behind to be billed), and the EgressError says why. If the abort
 * itself fails, the message says so: a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the
 * backstop. An abort that arrives after the last byte was sent deletes the finished object instead.
 */
export async function uploadArtifact(
  destination: S3Destination,
  artifact: ArtifactDescription,
  source: Readable,
  signal?: AbortSignal,
): Promise<UploadResult> {
  const key = buildObjectKey({
    prefix: destination.prefix,
    template: destination.keyTemplate,
    identity: artifactIdentity(artifact.identity),
    kind: artifact.kind,
    extension: artifact.extension,
  });
  const where = `s3://${destination.bucket}/${key}`;
  if (signal?.aborted) {
    source.destroy();
    throw new EgressError('EGRESS_ABORTED', `Upload to ${where} was cancelled before it started.`);
  }

  sweepBeforeUpload(destination);
  const sdk = await loadS3Sdk();
  const client = createS3Client(destination, sdk);
  const aborts = watchMultipartAborts(client);
  const tap = new Sha256Tap();
  let sourceError: Error | undefined;
  // pipeline forwards backpressure and tears both streams down when either fails.
  pipeline(source, tap, (error) => {
    if (error && !signal?.aborted) sourceError = error;
  });
  const onAbort = () => tap.destroy(abortReason(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });

  const encryption = {
    ...(destination.serverSideEncryption !== undefined && { ServerSideEncryption: destination.serverSideEncryption }),
    ...(destination.sseKmsKeyId !== undefined && { SSEKMSKeyId: destination.sseKmsKeyId }),
  };
  const metadata = { ...artifact.metadata, kind: artifact.kind };
  try {
    const upload = new sdk.storage.Upload({
      client,
      params: { Bucket: destination.bucket, Key: key, Body: tap, ContentType: artifact.contentType, Metadata: metadata, ...encryption },
      partSize: destination.partSize,
      queueSize: destination.queueSize,
      leavePartsOnError: false,
    });
    let etag: string | undefined;
    try {
      etag = (await upload.done()).ETag;
    } catch (error) {
      throw failure(error, destination, where, signal, sourceError, aborts);
    }
    if (signal?.aborted) {
      await client.send(new sdk.s3.DeleteObjectCommand({ Bucket: destination.bucket, Key: key })).catch(() => {});
      throw new EgressError('EGRESS_ABORTED', `Upload to ${where} was cancelled as it finished; the object was deleted.`);
    }
    const sha256 = tap.sha256!;
    const size = tap.bytes;
    const checksumStoredAs = await recordChecksum(sdk, client, destination, key, {
      sha256,
      size,
      etag,
      contentType: artifact.contentType,
      metadata,
      encryption,
    });
    const result: UploadResult = { bucket: destination.bucket, key, size, sha256, checksumStoredAs };
    if (destination.presignSeconds !== undefined) {
      const expiresAt = new Date(Date.now() + destination.presignSeconds * 1000).toISOString();
      result.presignedUrl = await sdk.presigner.getSignedUrl(
        client,
        new sdk.s3.GetObjectCommand({
          Bucket: destination.bucket,
          Key: key,
          ResponseContentDisposition: `attachment; filename="${basename(key)}"`,
        }),
        { expiresIn: destination.presignSeconds },
      );
      result.expiresAt = expiresAt;
    }
    return result;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    tap.destroy();
    client.destroy();
  }
}

/**
 * S3 fixes user metadata when an upload starts, but the SHA-256 of a stream is known only at its end,
 * and S3's own SHA-256 checksums for multipart uploads are composite (a hash of the parts' hashes),
 * not the hash of the object. So the hash is recorded afterwards: by copying the object onto itself
 * with the metadata replaced (a server-side copy, guarded by the ETag so that a concurrent writer is
 * never relabelled), or, above CopyObject's 5 GiB limit, as an object tag.
 */
async function recordChecksum(
  sdk: S3Sdk,
  client: ReturnType<typeof createS3Client>,
  destination: S3Destination,
  key: string,
  object: { sha256: string; size: number; etag: string | undefined; contentType: string; metadata: Record<string, string>; encryption: object },
): Promise<UploadResult['checksumStoredAs']> {
  if (object.size <= MAX_COPY_BYTES) {
    try {
      await client.send(
        new sdk.s3.CopyObjectCommand({
          Bucket: destination.bucket,
          Key: key,
          CopySource: `${destination.bucket}/${key}`,
          ...(object.etag !== undefined && { CopySourceIfMatch: object.etag }),
          MetadataDirective: 'REPLACE',
          ContentType: object.contentType,
          Metadata: { ...object.metadata, sha256: object.sha256 },
          ...object.encryption,
        }),
      );
      return 'metadata';
    } catch {
      // Some stores refuse a copy onto itself, or the role may not read what it writes: try a tag.
    }
  }
  try {
    await client.send(
      new sdk.s3.PutObjectTaggingCommand({ Bucket: destination.bucket, Key: key, Tagging: { TagSet: [{ Key: 'sha256', Value: object.sha256 }] } }),
    );
    return 'tag';
  } catch {
    return 'none';
  }
}

function failure(
  error: unknown,
  destination: S3Destination,
  where: string,
  signal: AbortSignal | undefined,
  sourceError: Error | undefined,
  aborts: MultipartAborts,
): EgressError {
  const cleanup = aborts.failed
    ? 'its multipart upload could not be aborted (a lifecycle rule AbortIncompleteMultipartUpload removes such parts)'
    : aborts.succeeded
      ? 'its multipart upload was aborted'
      : 'no part had been stored';
  if (signal?.aborted) {
    return new EgressError('EGRESS_ABORTED', `Upload to ${where} was cancelled (${describeReason(signal.reason)}); ${cleanup}.`);
  }
  if (sourceError !== undefined) {
    return new EgressError('EGRESS_SOURCE_FAILED', `Upload to ${where} stopped because the artifact failed (${sourceError.message.split('\n')[0]!.slice(0, 200)}); ${cleanup}.`);
  }
  const { s3Code, httpStatus, text } = describeS3Failure(error, destination);
  const status = [s3Code, httpStatus === undefined ? undefined : `HTTP ${httpStatus}`].filter(Boolean).join(', ');
  return new EgressError('EGRESS_UPLOAD_FAILED', `Upload to ${where} failed${status === '' ? '' : ` (${status})`}: ${text}; ${cleanup}.`, {
    ...(s3Code !== undefined && { s3Code }),
    ...(httpStatus !== undefined && { httpStatus }),
  });
}

interface MultipartAborts {
  succeeded: boolean;
  failed: boolean;
}

/**
 * Records the outcome of the AbortMultipartUpload that lib-storage sends on failure, which it may
 * otherwise swallow or throw in place of the error that caused it: the message must say whether
 * parts were left behind.
 */
function watchMultipartAborts(client: ReturnType<typeof createS3Client>): MultipartAborts {
  const aborts: MultipartAborts = { succeeded: false, failed: false };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'AbortMultipartUploadCommand') return next(args);
      try {
        const output = await next(args);
        aborts.succeeded = true;
        return output;
      } catch (error) {
        aborts.failed = true;
        throw error;
      }
    },
    { step: 'initialize', name: 'watchMultipartAborts' },
  );
  return aborts;
}

function abortReason(signal: AbortSignal): Error {
  return Object.assign(new Error(`aborted: ${describeReason(signal.reason)}`), { name: 'AbortError' });
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message.split('\n')[0]!.slice(0, 200);
  return reason === undefined ? 'aborted' : String(reason).slice(0, 200);
}
