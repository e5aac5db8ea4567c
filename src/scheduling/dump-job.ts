import { ARTIFACTS, type ArtifactKindName } from '../operations/artifacts/all-artifacts.js';
import type { S3Destination } from '../options/egress-options.js';
import { newDumpId } from './dump-id.js';
import { DumpStore } from './dump-store.js';
import type { NearHeapLimitArming } from './near-heap-limit-capture.js';
import type { Trigger } from './triggers.js';
import type { DumpUpload } from './upload-stored-dump.js';

/**
 * The job model of the dump store: what a scheduled dump is asked to produce, the job as the API lists
 * it, and what the scheduler keeps beside it while it waits or runs.
 */

/** What a scheduled job produces: an artifact kind of the shared table with its validated parameters. */
export interface ArtifactRequest {
  kind: ArtifactKindName;
  params: Record<string, unknown>;
  /** Upload the artifact there once taken, then drop it from the store. */
  egress?: S3Destination;
}

/**
 * `uploading` and `uploaded` are an egress job's: it never becomes `ready`, its file leaves with the upload.
 * `armed` is a near-heap-limit job's: Node writes the snapshot itself when the heap runs out.
 */
export type JobStatus = 'scheduled' | 'armed' | 'running' | 'uploading' | 'uploaded' | 'ready' | 'failed' | 'cancelled';

export interface DumpJob {
  id: string;
  kind: ArtifactRequest['kind'];
  status: JobStatus;
  trigger: Trigger;
  params: Record<string, unknown>;
  created: string;
  /** The token id that scheduled it, for the audit trail. */
  requestedBy: string | null;
  started: string | null;
  finished: string | null;
  size: number | null;
  error: string | null;
  /** The download name, `<host>-<pid>-<timestamp>.<ext>`, set when the artifact is taken. */
  fileName: string | null;
  /** The destination's name, for a job that uploads. */
  egress: string | null;
  /** Where the upload landed, once `uploaded`. */
  upload: DumpUpload | null;
  /** The file's SHA-256 (hex), where the store computed it (a persistent store does, for every dump). */
  sha256: string | null;
  /** A near-heap-limit job's arming: where Node will write, at which heap limit, by which process. */
  nearHeapLimit?: NearHeapLimitArming;
  /** What the operator should know about this job (a near-heap-limit snapshot that will not reach the store). */
  warning?: string;
  /**
   * A heap snapshot's file: whether its strings are redacted. Node writes a near-heap-limit snapshot
   * raw; the store then redacts it as it serves it unless a `heap-raw` token asks for it raw.
   */
  redacted?: boolean;
}

/** A job with what the scheduler keeps beside it: the request, the file's extension, how to stop it. */
export interface JobState {
  job: DumpJob;
  request: ArtifactRequest;
  extension: string;
  cancel: () => void;
  abort: AbortController;
}

/** A job's state before anything was set to stop it. */
export function jobState(job: DumpJob, request: ArtifactRequest, extension: string): JobState {
  return { job, request, extension, cancel: () => {}, abort: new AbortController() };
}

/** A new job: what was asked, by whom and when; nothing taken yet. */
export function newJob(asked: Pick<DumpJob, 'kind' | 'status' | 'trigger' | 'params' | 'created' | 'requestedBy' | 'egress'>): DumpJob {
  const { kind, status, trigger, params, created, requestedBy, egress } = asked;
  // In the order the API has always listed a job's fields.
  return { id: newDumpId(), kind, status, trigger, params, created, requestedBy, started: null, finished: null, size: null, error: null, fileName: null, egress, upload: null, sha256: null };
}

/** A new near-heap-limit snapshot's job: armed by a request, or found running with nobody having asked. */
export function nearHeapLimitJob(status: JobStatus, created: string, requestedBy: string | null): DumpJob {
  return newJob({ kind: 'heapsnapshot', status, trigger: { type: 'near-heap-limit' }, params: {}, created, requestedBy, egress: null });
}

const STORED_STATUSES: readonly string[] = ['ready', 'armed'];

/** A job record read back from a persistent store: the fields the scheduler relies on, with their types. */
export function isStoredJob(value: unknown): value is DumpJob {
  if (typeof value !== 'object' || value === null) return false;
  const job = value as Partial<DumpJob>;
  return (
    typeof job.id === 'string' &&
    DumpStore.isId(job.id) &&
    typeof job.kind === 'string' &&
    Object.hasOwn(ARTIFACTS, job.kind) &&
    typeof job.status === 'string' &&
    STORED_STATUSES.includes(job.status) &&
    typeof job.created === 'string' &&
    typeof job.trigger === 'object' &&
    job.trigger !== null &&
    typeof job.params === 'object' &&
    job.params !== null &&
    (job.size === null || typeof job.size === 'number') &&
    (job.finished === null || typeof job.finished === 'string') &&
    (job.status !== 'armed' || (typeof job.nearHeapLimit === 'object' && job.nearHeapLimit !== null && Number.isInteger(job.nearHeapLimit.pid)))
  );
}
