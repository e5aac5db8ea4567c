import type { S3Destination } from '../options/egress-options.js';
import { describeS3Failure, EgressError } from './egress-error.js';
import { keyUploaderReader, type KeyUploader } from './key-uploader.js';
import type { ArtifactIdentity } from './object-key.js';
import { processState, type ProcessState } from './process-liveness.js';
import { createS3Client, loadS3Sdk } from './s3-sdk.js';

export interface SweepResult {
  destination: string;
  /** Keys of the multipart uploads aborted: this host's, made by processes that no longer run. */
  aborted: string[];
  /** Open uploads of this host and service whose process still runs. */
  live: number;
  /** Open uploads under the prefix that are not this host's and service's (never touched). */
  others: number;
  /** Aborts the store refused (the upload stays for the lifecycle rule). */
  failed: number;
  /** Why nothing was judged, when the key template names no host or pid. */
  skipped?: string;
}

/** A page of ListMultipartUploads is at most 1000 uploads; a sweep reads at most this many pages. */
const MAX_PAGES = 20;

/**
 * Aborts the incomplete multipart uploads under `destination`'s prefix that a process of this host
 * started and that can never finish: the process named in the key no longer runs, or the process now
 * under that pid started after the key was made (a reused pid: a restarted container's app is often
 * pid 1 again). Whose an upload is comes from its key alone (ListMultipartUploads returns no metadata):
 * only keys of this host's and service's shape are judged, so another host's uploads, another
 * service's, and those of a live process are left alone.
 */
export async function sweepStaleUploads(
  destination: S3Destination,
  identity: Pick<ArtifactIdentity, 'host' | 'service'>,
  judge: (pid: number) => ProcessState = processState,
): Promise<SweepResult> {
  const result: SweepResult = { destination: destination.name, aborted: [], live: 0, others: 0, failed: 0 };
  const reader = keyUploaderReader(destination.prefix, destination.keyTemplate, identity);
  if (reader === undefined) return { ...result, skipped: 'the key template names no {host} or no {pid}' };
  const sdk = await loadS3Sdk();
  const client = createS3Client(destination, sdk);
  try {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let listing;
      try {
        listing = await client.send(
          new sdk.s3.ListMultipartUploadsCommand({
            Bucket: destination.bucket,
            ...(destination.prefix !== '' && { Prefix: destination.prefix }),
            ...(keyMarker !== undefined && { KeyMarker: keyMarker }),
            ...(uploadIdMarker !== undefined && { UploadIdMarker: uploadIdMarker }),
          }),
        );
      } catch (error) {
        const { s3Code, httpStatus, text } = describeS3Failure(error, destination);
        throw new EgressError('EGRESS_UPLOAD_FAILED', `Listing the open multipart uploads of s3://${destination.bucket}/${destination.prefix} failed: ${text}`, {
          ...(s3Code !== undefined && { s3Code }),
          ...(httpStatus !== undefined && { httpStatus }),
        });
      }
      for (const upload of listing.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        const uploader = reader(upload.Key);
        if (uploader === undefined) {
          result.others++;
          continue;
        }
        if (!isStale(uploader, judge(uploader.pid))) {
          result.live++;
          continue;
        }
        try {
          await client.send(new sdk.s3.AbortMultipartUploadCommand({ Bucket: destination.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          result.aborted.push(upload.Key);
        } catch {
          result.failed++;
        }
      }
      if (listing.IsTruncated !== true) break;
      keyMarker = listing.NextKeyMarker;
      uploadIdMarker = listing.NextUploadIdMarker;
      if (keyMarker === undefined) break;
    }
    return result;
  } finally {
    client.destroy();
  }
}

/**
 * An upload can never finish when no process runs under its pid, or when the one that does started
 * after the key was made. Without a start time or a key time, a running pid is taken as the uploader.
 */
export function isStale(uploader: KeyUploader, state: ProcessState): boolean {
  if (!state.running) return true;
  if (state.startedAtMs === undefined || uploader.keyTimeMs === undefined) return false;
  return state.startedAtMs > uploader.keyTimeMs;
}
