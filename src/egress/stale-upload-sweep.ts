import type { S3Destination } from '../options/egress-options.js';
import { describeS3Failure, EgressError } from './egress-error.js';
import { keyUploaderReader, unreadableTemplateReason, type KeyUploader } from './key-uploader.js';
import type { ArtifactIdentity } from './object-key.js';
import { ownInstanceSpace, parseInstanceMarker } from '../process/process-instance.js';
import { processState, type ProcessState } from '../process/process-liveness.js';
import { createS3Client, loadS3Sdk } from './s3-sdk.js';

export interface SweepResult {
  destination: string;
  /** Keys of the multipart uploads aborted: this host's, made by processes that no longer run. */
  aborted: string[];
  /** Open uploads of this host and service whose process still runs. */
  live: number;
  /**
   * Open uploads of this host and service whose process cannot be judged from here: made in another pid
   * namespace or boot (a host name shared by hostNetwork pods, two containers of a pod, a rolling update),
   * or by a sidecar. Never touched.
   */
  unjudged: number;
  /** Open uploads under the prefix that are not this host's and service's (never touched). */
  others: number;
  /** Aborts the store refused (the upload stays for the lifecycle rule). */
  failed: number;
  /** Why nothing was judged: the key template does not say whose an upload is unambiguously, or /proc does not tell. */
  skipped?: string;
}

/** A page of ListMultipartUploads is at most 1000 uploads; a sweep reads at most this many pages. */
const MAX_PAGES = 20;

/**
 * Aborts the incomplete multipart uploads under `destination`'s prefix that a process of this host, boot
 * and pid namespace started and that can never finish: no process runs under the pid in the key, or the
 * one that does is not the instance the key names (a reused pid: a restarted container's app is often
 * pid 1 again) and started after the upload did. Whose an upload is comes from its key alone
 * (ListMultipartUploads returns no metadata): only keys of this host's and service's shape, of a
 * template that says so unambiguously, are judged; another host's, another service's, another pid
 * namespace's and a live process's uploads are left alone.
 */
export async function sweepStaleUploads(
  destination: S3Destination,
  identity: Pick<ArtifactIdentity, 'host' | 'service'>,
  judge: (pid: number) => ProcessState = processState,
): Promise<SweepResult> {
  const result: SweepResult = { destination: destination.name, aborted: [], live: 0, unjudged: 0, others: 0, failed: 0 };
  const reader = keyUploaderReader(destination.prefix, destination.keyTemplate, identity);
  if (reader === undefined) return { ...result, skipped: `the key template ${destination.keyTemplate}: ${unreadableTemplateReason(destination.keyTemplate)}` };
  const space = ownInstanceSpace();
  if (space === undefined) return { ...result, skipped: 'this system does not tell a process instance (no /proc)' };
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
        const verdict = judgeUpload(uploader, upload.Initiated?.getTime(), space, judge);
        if (verdict !== 'stale') {
          result[verdict]++;
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
 * How long an upload whose uploader cannot be judged from here must have been open before it is taken
 * as abandoned. A pid means nothing outside its namespace: the same host name is shared by hostNetwork
 * pods, a pod's containers, the old and new pods of a rolling update, and a restarted container gets a
 * new namespace. Still open after this long, the largest upload of the default part size (78 GiB) would
 * be moving at under 4 MB/s: generous, and still well before a 1-day lifecycle rule.
 */
export const UNJUDGED_MAX_AGE_MS = 6 * 60 * 60 * 1000;

/**
 * An upload can never finish when its instance marker is of this boot and pid namespace and no process
 * runs under its pid, or the one that does is another instance (its start differs) that started after
 * the upload was initiated (the store's own time, so a clock or marker gone wrong errs towards leaving
 * it). A marker of another space cannot be judged (that pid may be alive over there): such an upload is
 * taken as abandoned only once open UNJUDGED_MAX_AGE_MS. A key without a marker (a sidecar's) never is.
 */
export function judgeUpload(
  uploader: KeyUploader,
  initiatedMs: number | undefined,
  space: string,
  judge: (pid: number) => ProcessState = processState,
  nowMs = Date.now(),
): 'stale' | 'live' | 'unjudged' {
  const marker = parseInstanceMarker(uploader.instance);
  if (marker === undefined) return 'unjudged';
  const oldEnough = initiatedMs !== undefined && nowMs - initiatedMs > UNJUDGED_MAX_AGE_MS;
  if (marker.space !== space) return oldEnough ? 'stale' : 'unjudged';
  const state = judge(uploader.pid);
  if (!state.running) return 'stale';
  if (state.startTicks === undefined || state.startTicks === marker.startTicks) return 'live';
  if (state.startedAtMs !== undefined && initiatedMs !== undefined && state.startedAtMs > initiatedMs) return 'stale';
  return oldEnough ? 'stale' : 'unjudged';
}
