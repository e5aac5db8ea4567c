import { isCode, MaintenanceError, OperationAbortedError, ProtocolError } from '../errors.js';
import type { AuditLogger } from '../log/audit-logger.js';
import { ARTIFACTS, type ArtifactKindName } from '../operations/artifacts/all-artifacts.js';
import type { ArtifactLimits, ArtifactSink, ProduceOptions } from '../operations/artifacts/artifact-kind.js';
import { artifactFileName } from '../operations/artifacts/artifact-file-name.js';
import type { OperationRegistry, RunningOperation } from '../operations/operation-registry.js';
import type { LockKind } from '../operations/process-locks.js';
import type { GcEvent } from '../probe/probe-reader.js';
import type { ProbeView } from '../probe/probe-view.js';
import type { S3Destination } from '../options/egress-options.js';
import type { CdpTarget } from '../targets/target.js';
import type { WorkerThreads } from '../targets/worker-threads.js';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { newDumpId } from './dump-id.js';
import { DumpStore, type PartialFile } from './dump-store.js';
import { AdoptionRetries } from './adoption-retries.js';
import { armingWarning, armNearHeapLimitCapture, inspectWholeSnapshot, nearHeapLimitWritesInto, scanForSnapshots, writerGone, type NearHeapLimitArming, type WriterJudgement } from './near-heap-limit-capture.js';
import { startedAfter, TargetStartWatch } from './target-start-watch.js';
import { recoverStore, sha256File, writeRecord } from './stored-dump-records.js';
import { assertReachable, type Trigger } from './triggers.js';
import { uploadStoredDump, type DumpUpload } from './upload-stored-dump.js';
import { contained } from '../contained.js';

/** What a scheduled job produces: an artifact kind of the shared table with its validated parameters. */
export interface ArtifactRequest {
  kind: ArtifactKindName;
  params: Record<string, unknown>;
  /** Upload the artifact there once taken, then drop it from the store. */
  egress?: S3Destination;
  /** The app's worker thread to take it of (its threadId); absent or 0: the main thread. */
  thread?: number;
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
  /** The worker thread it is taken of (its threadId); absent for the main thread. */
  thread?: number;
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

export interface SchedulerOptions {
  maxPendingJobs: number;
  /** Where a producer that must stage keeps what the file cannot take yet (never needed for a file, kept for the contract). */
  staging: ProduceOptions['staging'];
  /** What bounds artifacts: the memory limit the admission check uses, among others. */
  limits: ArtifactLimits;
}

interface JobState {
  job: DumpJob;
  request: ArtifactRequest;
  extension: string;
  cancel: () => void;
  abort: AbortController;
}

/** How long a triggered job waits for a busy operation of its kind before it fails. */
const BUSY_WAIT_MS = 60_000;
const FINISHED_RECORDS_KEPT = 100;
const SWEEP_MS = 60_000;
/** How often a persistent store looks for a snapshot Node wrote into it by itself. */
const ADOPT_SCAN_MS = 1000;

/**
 * Scheduled and conditional dumps: jobs wait for their trigger (a time, the next major GC, the heap
 * crossing a size), run the same operations as direct requests into the private store, and wait there
 * for download, within the store's limits.
 */
export class DumpScheduler {
  readonly store: DumpStore;
  readonly #jobs = new Map<string, JobState>();
  readonly #target: CdpTarget;
  readonly #threads: Pick<WorkerThreads, 'target'> | undefined;
  readonly #operations: OperationRegistry;
  readonly #probe: ProbeView | undefined;
  readonly #log: AuditLogger;
  readonly #options: SchedulerOptions;
  readonly #gcWaiters = new Set<(event: GcEvent) => void>();
  readonly #sweeper: NodeJS.Timeout;
  #adoptScanner: NodeJS.Timeout | undefined;
  /** Names of Node's snapshot files being adopted, so a scan does not take one twice. */
  readonly #adopting = new Set<string>();
  readonly #adoptionRetries = new AdoptionRetries();
  /** Outside the target (a sidecar), files and the target's start time tell whether a writer is gone, never a pid. */
  readonly #judgement: WriterJudgement;
  readonly #targetStart: TargetStartWatch;
  #arming: Promise<DumpJob> | undefined;
  #closed = false;

  constructor(deps: {
    store: DumpStore;
    target: CdpTarget;
    /** The app's worker threads, for jobs that name one. */
    threads?: Pick<WorkerThreads, 'target'>;
    operations: OperationRegistry;
    probe: ProbeView | undefined;
    log: AuditLogger;
    options: SchedulerOptions;
  }) {
    this.store = deps.store;
    this.#target = deps.target;
    this.#threads = deps.threads;
    this.#operations = deps.operations;
    this.#probe = deps.probe;
    this.#log = deps.log;
    this.#options = deps.options;
    this.#judgement = deps.target.capabilities.sharedFileSystem ? 'pid' : 'file';
    this.#targetStart = new TargetStartWatch(deps.target);
    this.#probe?.feed.onEvents((events) => {
      for (const event of events) for (const waiter of [...this.#gcWaiters]) waiter(event);
    });
    this.#sweeper = setInterval(contained('the dump store sweep', () => this.#sweepOld()), SWEEP_MS).unref();
    if (this.store.persistent) {
      this.#restore();
      this.#scanForSnapshots();
      this.#adoptScanner = setInterval(contained('the near-heap-limit adoption', () => this.#scanForSnapshots()), ADOPT_SCAN_MS).unref();
    }
  }

  list(): DumpJob[] {
    return [...this.#jobs.values()].map((state) => ({ ...state.job }));
  }

  get(id: string): DumpJob | undefined {
    if (!DumpStore.isId(id)) return undefined;
    const state = this.#jobs.get(id);
    return state && { ...state.job };
  }

  /** The finished artifact's path, or undefined when the job is not ready. */
  filePath(id: string): string | undefined {
    const state = DumpStore.isId(id) ? this.#jobs.get(id) : undefined;
    return state?.job.status === 'ready' ? this.store.pathOf(id, state.extension) : undefined;
  }

  schedule(request: ArtifactRequest, trigger: Trigger, requestedBy: string | null = null): DumpJob {
    if (this.#closed) throw new MaintenanceError('SHUTTING_DOWN', 'The endpoint is closing.');
    if (trigger.type === 'near-heap-limit') throw new Error('A near-heap-limit job is armed with armNearHeapLimit().');
    const pending = [...this.#jobs.values()].filter((state) => state.job.status === 'scheduled').length;
    if (pending >= this.#options.maxPendingJobs) {
      throw new MaintenanceError('TOO_MANY_JOBS', `${pending} jobs are already pending (the limit); cancel one with DELETE /dumps/{id}.`);
    }
    const onWorker = request.thread !== undefined && request.thread !== 0;
    if ((trigger.type === 'gc' || trigger.type === 'heap-above') && onWorker) {
      throw new MaintenanceError('INVALID_PARAMETER', 'Query parameter "when" watches the main thread\'s heap and GC, not a worker\'s: with "thread", schedule by delay or at.');
    }
    if ((trigger.type === 'gc' || trigger.type === 'heap-above') && this.#probe === undefined) {
      throw new MaintenanceError('INVALID_PARAMETER', 'Query parameter "when" needs the main-thread probe, which this target does not run.');
    }
    assertReachable(trigger, this.#probe?.reader.figures().heapLimit);
    // A worker's heap is read when its dump runs; the probe's figures are the main thread's.
    if (request.kind === 'heapsnapshot' && !onWorker) this.#checkDiskSpace();
    const job = newJob({ kind: request.kind, status: 'scheduled', trigger, params: request.params, created: new Date().toISOString(), requestedBy, egress: request.egress?.name ?? null });
    if (onWorker) job.thread = request.thread;
    const extension = ARTIFACTS[request.kind].extension(request.params as never);
    const state: JobState = { job, request, extension, cancel: () => {}, abort: new AbortController() };
    this.#jobs.set(job.id, state);
    this.#arm(state);
    return { ...job };
  }

  /** Cancels a pending or running job, or deletes a finished one's file. Returns false for an unknown id. */
  delete(id: string): boolean {
    const state = DumpStore.isId(id) ? this.#jobs.get(id) : undefined;
    if (state === undefined) return false;
    this.#finish(state, 'cancelled', 'Cancelled by request.');
    this.#jobs.delete(id);
    return true;
  }

  /**
   * Cancels everything pending, stops what runs, and removes the store's directory; a persistent store
   * keeps its ready dumps and armed jobs for the next start.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    clearInterval(this.#adoptScanner);
    for (const state of this.#jobs.values()) {
      if (this.store.persistent && (state.job.status === 'ready' || state.job.status === 'armed')) continue;
      this.#finish(state, 'cancelled', 'The endpoint closed.');
    }
    this.store.removeAll();
  }

  /**
   * `when=near-heap-limit`: arms Node's near-heap-limit snapshot in the target and lists the job as
   * `armed` until the snapshot is adopted into the store (near-heap-limit-capture.ts). Arming twice
   * answers the job already armed: Node writes one snapshot.
   */
  async armNearHeapLimit(request: ArtifactRequest, requestedBy: string | null = null): Promise<DumpJob> {
    if (this.#closed) throw new MaintenanceError('SHUTTING_DOWN', 'The endpoint is closing.');
    if (request.kind !== 'heapsnapshot') throw new MaintenanceError('INVALID_PARAMETER', 'Query parameter "when": near-heap-limit takes a heap snapshot only.');
    if (request.thread !== undefined && request.thread !== 0) {
      throw new MaintenanceError('INVALID_PARAMETER', "Query parameter \"when\": near-heap-limit is Node's snapshot of the main thread's heap; a worker's cannot be armed.");
    }
    if (request.egress !== undefined) {
      throw new MaintenanceError('INVALID_PARAMETER', 'Query parameter "egress" does not apply to when=near-heap-limit: the process dies of the OOM as the snapshot is written; the store keeps it.');
    }
    this.#arming ??= this.#armNearHeapLimit(requestedBy).finally(() => (this.#arming = undefined));
    return this.#arming;
  }

  async #armNearHeapLimit(requestedBy: string | null): Promise<DumpJob> {
    const pid = await this.#target.processId();
    const armed = [...this.#jobs.values()].find((state) => state.job.status === 'armed' && state.job.nearHeapLimit?.pid === pid);
    if (armed !== undefined) return { ...armed.job };
    const heapLimit = this.#probe?.reader.figures().heapLimit;
    // Only when Node will write into the store: a snapshot written elsewhere takes none of its space.
    if (heapLimit !== undefined && heapLimit > 0 && (await nearHeapLimitWritesInto(this.#target, this.store.directory))) {
      this.#checkDiskSpace(heapLimit * 2, 'a snapshot of a full heap');
    }
    const arming = await armNearHeapLimitCapture(this.#target, this.store.directory);
    const warning = armingWarning(arming, this.store.persistent);
    const job: DumpJob = {
      ...nearHeapLimitJob('armed', new Date().toISOString(), requestedBy),
      nearHeapLimit: arming,
      ...(warning !== undefined && { warning }),
    };
    this.#jobs.set(job.id, { job, request: { kind: 'heapsnapshot', params: {} }, extension: 'heapsnapshot', cancel: () => {}, abort: new AbortController() });
    if (this.store.persistent) writeRecord(this.store.directory, { version: 1, job, extension: 'heapsnapshot', pid: arming.pid });
    this.#log.info('near-heap-limit snapshot armed', { id: job.id, tokenId: requestedBy, ...arming, ...(warning !== undefined && { warning }) });
    return { ...job };
  }

  /** A persistent store's ready dumps and armed jobs, as the last process left them. */
  #restore(): void {
    const recovered = recoverStore(this.store.directory, isStoredJob);
    if (recovered.removed.length > 0) this.#log.warn('dump store: removed what a stopped process left unfinished', { files: recovered.removed });
    if (recovered.ignored.length > 0) this.#log.warn('dump store: left alone entries that are not regular files of its own (never followed, served nor removed)', { files: recovered.ignored });
    for (const record of [...recovered.ready, ...recovered.armed]) {
      this.#jobs.set(record.job.id, { job: record.job, request: { kind: record.job.kind, params: record.job.params }, extension: record.extension, cancel: () => {}, abort: new AbortController() });
    }
  }

  /**
   * Adopts the whole snapshots Node wrote into the store (into the armed job of their process, or as a
   * dump of their own when the process was armed otherwise), removes those cut short by a writer that
   * is gone, and fails armed jobs whose process ended without leaving a whole snapshot.
   */
  #scanForSnapshots(): void {
    if (this.#closed) return;
    let scan;
    try {
      scan = scanForSnapshots(this.store.directory, new Set([...this.#adopting, ...this.#adoptionRetries.skipped()]), this.#judgement);
    } catch (error) {
      this.#log.warn('dump store: cannot look for near-heap-limit snapshots', { error: (error as Error).message });
      return;
    }
    if (scan.removed.length > 0) this.#log.warn('dump store: removed heap snapshots cut short', { files: scan.removed });
    const claimedPids = new Set<number>();
    for (const file of scan.whole) {
      this.#adopting.add(file.name);
      const armed = [...this.#jobs.values()].find((state) => state.job.status === 'armed' && file.pid !== undefined && state.job.nearHeapLimit?.pid === file.pid);
      if (file.pid !== undefined) claimedPids.add(file.pid);
      if (armed !== undefined) armed.job.status = 'running'; // claimed: no second file goes to it
      void this.#adopt(file, armed).finally(() => this.#adopting.delete(file.name));
    }
    for (const state of this.#jobs.values()) {
      const { job } = state;
      if (job.status !== 'armed' || job.nearHeapLimit === undefined || claimedPids.has(job.nearHeapLimit.pid)) continue;
      if (!this.#armedProcessGone(job.nearHeapLimit.pid, Date.parse(job.created))) continue;
      this.#finish(
        state,
        'failed',
        job.nearHeapLimit.inStore
          ? 'The process ended without a whole near-heap-limit snapshot in the store: it was killed before or while writing it (by the kernel, when the snapshot needed more memory than the container had; see docs/operations.md), or it never neared its heap limit.'
          : `The process ended; Node wrote any near-heap-limit snapshot into ${job.nearHeapLimit.directory}, outside the store.`,
      );
    }
  }

  /**
   * Inside the target, its pid answers or not. Outside it (a sidecar) the pid is another namespace's:
   * the job stays armed while the target that answers is the life it was armed in.
   */
  #armedProcessGone(pid: number, armedAt: number): boolean {
    if (this.#judgement === 'pid') return writerGone(pid, armedAt);
    return startedAfter(this.#targetStart.latest(), armedAt);
  }

  async #adopt(file: { name: string; path: string; pid: number | undefined; modifiedMs: number }, armed: JobState | undefined): Promise<void> {
    const taken = new Date(file.modifiedMs).toISOString();
    const state: JobState = armed ?? {
      job: nearHeapLimitJob('running', taken, null),
      request: { kind: 'heapsnapshot', params: {} },
      extension: 'heapsnapshot',
      cancel: () => {},
      abort: new AbortController(),
    };
    const { job } = state;
    try {
      const { size, sha256 } = await inspectWholeSnapshot(file.path);
      if (this.#closed || job.status !== 'running') return;
      Object.assign(job, { status: 'ready', started: taken, finished: new Date().toISOString(), size, sha256, fileName: file.name, redacted: false });
      // The record first, then the rename: a crash between leaves a record without its file (dropped at
      // the next start) and Node's file under its own name (adopted again), never a file listed half-way.
      writeRecord(this.store.directory, { version: 1, job, extension: 'heapsnapshot', adoptedFrom: file.name });
      renameSync(file.path, join(this.store.directory, `${job.id}.heapsnapshot`));
      this.#jobs.set(job.id, state);
      this.#log.info('near-heap-limit snapshot adopted', { id: job.id, file: file.name, size, sha256 });
      this.#adoptionRetries.succeeded(file.name);
      this.#enforceLimits(state);
    } catch (error) {
      const outcome = this.#adoptionRetries.failed(file.name);
      if (outcome === 'given-up') {
        this.#log.warn('near-heap-limit snapshot not adopted: given up after repeated failures; the file stays where it is', { file: file.name, error: (error as Error).message });
      } else if (outcome === 'first') {
        this.#log.warn('near-heap-limit snapshot not adopted yet: tried again less and less often', { file: file.name, error: (error as Error).message });
      }
      if (armed !== undefined && job.status === 'running') job.status = 'armed';
    }
  }

  #arm(state: JobState): void {
    const { trigger } = state.job;
    if (trigger.type === 'near-heap-limit') return; // armed in the target, not here
    if (trigger.type === 'rule') {
      // Now, from this turn: a rule's stack must land while the condition that fired it still holds.
      contained('a rule\'s dump', () => void this.#run(state))();
      return;
    }
    const expiresAt = trigger.type === 'at' ? undefined : trigger.expiresAt;
    let expiry: NodeJS.Timeout | undefined;
    if (expiresAt !== undefined) {
      expiry = setTimeout(contained('a scheduled dump', () => this.#finish(state, 'cancelled', 'The condition was not met before it expired.')), Date.parse(expiresAt) - Date.now()).unref();
    }
    if (trigger.type === 'at') {
      const timer = setTimeout(contained('a scheduled dump', () => this.#run(state)), Math.max(0, Date.parse(trigger.at) - Date.now())).unref();
      state.cancel = () => clearTimeout(timer);
      return;
    }
    const matches = (event: GcEvent): boolean => {
      if (trigger.type === 'gc') return event.kind === 'major';
      const limit = trigger.bytes ?? trigger.ratio! * this.#probe!.reader.figures('live').heapLimit;
      return event.heapAfter >= limit;
    };
    const waiter = (event: GcEvent) => {
      if (!matches(event)) return;
      this.#gcWaiters.delete(waiter);
      clearTimeout(expiry);
      contained('a scheduled dump', () => this.#run(state))();
    };
    this.#gcWaiters.add(waiter);
    state.cancel = () => {
      this.#gcWaiters.delete(waiter);
      clearTimeout(expiry);
    };
  }

  async #run(state: JobState): Promise<void> {
    if (state.job.status !== 'scheduled') return;
    state.job.status = 'running';
    state.job.started = new Date().toISOString();
    let operation: RunningOperation | undefined;
    const file = () => this.store.open(state.job.id, state.extension);
    let partial: ReturnType<typeof file> | undefined;
    try {
      operation = await this.#acquire(ARTIFACTS[state.request.kind].lock, state.job.thread ?? 0, state.abort.signal);
      // A worker that has exited since fails the job as a request would be refused (THREAD_NOT_FOUND).
      const target = await this.#targetOf(state.job.thread);
      if (state.request.kind === 'heapsnapshot') this.#checkDiskSpace(state.job.thread === undefined ? undefined : 2 * (await target.send<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize);
      // A dump that would not fit in memory when it fires fails with the same reason a request would get.
      const admission = await ARTIFACTS[state.request.kind].admit?.(target, state.request.params as never, this.#options.limits);
      partial = file();
      this.#log.started({ scheduled: state.job.id, kind: state.job.kind, tokenId: state.job.requestedBy, params: state.job.params, ...(state.job.thread !== undefined && { thread: state.job.thread }), ...(admission ? { admission } : {}) });
      const { fileName, redacted } = await this.#produce(state, target, partial, operation);
      if (state.job.status !== 'running') {
        partial.discard(); // cancelled meanwhile
        return;
      }
      state.job.size = partial.complete();
      state.job.fileName = fileName;
      if (redacted !== undefined) state.job.redacted = redacted;
      if (state.request.egress !== undefined) {
        operation.end(); // the upload reads the file, not the target: the slot is free for others meanwhile
        await this.#upload(state, state.request.egress);
        return;
      }
      if (this.store.persistent && !(await this.#persist(state))) return;
      state.job.status = 'ready';
      state.job.finished ??= new Date().toISOString();
      this.#log.info('scheduled dump ready', { id: state.job.id, kind: state.job.kind, size: state.job.size });
      this.#enforceLimits(state);
    } catch (error) {
      // The target answered (even with its own error, ENOSPC from V8's write): its write is over. A
      // protocol failure (the session closed) says nothing of a write the main thread may still be doing.
      partial?.discard({ writerEnded: !(error instanceof ProtocolError) });
      if (state.job.status === 'running') this.#finish(state, 'failed', error instanceof MaintenanceError ? error.message : `The dump failed: ${(error as Error).message}`);
    } finally {
      operation?.end();
    }
  }

  /**
   * Writes a finished dump's record (with its SHA-256) into a persistent store, after its file: a crash
   * before this leaves a file without a record, which the next start removes. False when the job was
   * cancelled meanwhile (its file is removed).
   */
  async #persist(state: JobState): Promise<boolean> {
    const { job } = state;
    const path = this.store.pathOf(job.id, state.extension);
    job.sha256 = await sha256File(path);
    if (job.status !== 'running' || this.#closed) {
      this.store.remove(job.id, state.extension);
      return false;
    }
    job.finished = new Date().toISOString();
    writeRecord(this.store.directory, { version: 1, job: { ...job, status: 'ready' }, extension: state.extension });
    return true;
  }

  /**
   * Uploads a taken artifact, then removes it from the store whatever the outcome: the job asked for
   * it to leave the pod, and a failed job holds no file (the store's limits count ready files only, so
   * a kept one would hold disk that nothing evicts). The failure's reason is in the job and the log.
   */
  async #upload(state: JobState, destination: S3Destination): Promise<void> {
    const { job } = state;
    job.status = 'uploading';
    try {
      const path = this.store.pathOf(job.id, state.extension);
      job.upload = await uploadStoredDump(this.#target, ARTIFACTS[job.kind], state.request.params, path, destination, state.abort.signal);
      if (job.status !== 'uploading') return; // cancelled as it finished
      job.status = 'uploaded';
      job.finished = new Date().toISOString();
      const { presignedUrl: _secret, expiresAt: _expiry, ...logged } = job.upload;
      this.#log.info('scheduled dump uploaded', { id: job.id, kind: job.kind, ...logged });
      this.#trimRecords();
    } catch (error) {
      if (job.status !== 'uploading') return;
      this.#log.warn('scheduled dump upload failed', { id: job.id, kind: job.kind, egress: destination.name, error: (error as Error).message });
      this.#finish(state, 'failed', error instanceof MaintenanceError ? error.message : `The upload failed: ${(error as Error).message}`);
    } finally {
      this.store.remove(job.id, state.extension);
    }
  }

  /** Runs the job's artifact into the partial file; returns its download name, stamped when it was taken, and whether it is redacted. */
  async #produce(state: JobState, target: CdpTarget, partial: PartialFile, operation: RunningOperation): Promise<{ fileName: string; redacted: boolean | undefined }> {
    const name = artifactFileName(state.extension, await this.#target.processId());
    const sink: ArtifactSink = {
      write: (chunk) => partial.write(chunk),
      whenWritable: () => undefined,
      warn: () => {},
      filePath: partial.path,
    };
    const { signal } = state.abort;
    const result = await ARTIFACTS[state.request.kind].produce(target, state.request.params as never, sink, {
      signal,
      progress: (values) => operation.update(values),
      staging: this.#options.staging,
    });
    if (signal.aborted) throw new OperationAbortedError(`The ${state.job.kind}`);
    return { fileName: name, redacted: typeof result.redacted === 'boolean' ? result.redacted : undefined };
  }

  /** The main thread's target, or the live worker's whose threadId a job names. */
  async #targetOf(thread: number | undefined): Promise<CdpTarget> {
    if (thread === undefined) return this.#target;
    if (this.#threads === undefined) throw new MaintenanceError('THREAD_NOT_FOUND', `No live thread ${thread}: this scheduler reaches the main thread only.`);
    return this.#threads.target(thread);
  }

  async #acquire(kind: LockKind, thread: number, signal: AbortSignal): Promise<RunningOperation> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (;;) {
      try {
        return this.#operations.begin(kind, undefined, thread);
      } catch (error) {
        if (!isCode(error, 'OPERATION_IN_PROGRESS') || Date.now() > deadline || signal.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }

  #checkDiskSpace(needed: number | undefined = 2 * (this.#probe?.reader.figures().heapUsed ?? Number.NaN), what = 'a heap snapshot of this heap'): void {
    // A snapshot's JSON is commonly 0.5 to 2 times the heap in use: plan for the high end.
    if (Number.isNaN(needed)) return;
    const usable = this.store.usableBytes();
    if (usable < needed) {
      throw new MaintenanceError(
        'INSUFFICIENT_STORAGE',
        `The dump store has ${formatMiB(Math.max(0, usable))} usable (after its reserve) but ${what} may need ${formatMiB(needed)}.`,
      );
    }
  }

  #finish(state: JobState, status: 'failed' | 'cancelled', error: string): void {
    const { job } = state;
    if (job.status === 'ready') {
      this.store.remove(job.id, state.extension);
    } else if (job.status === 'armed') {
      // Node cannot be disarmed: a snapshot it writes later is adopted as a dump of its own.
      if (this.store.persistent) this.store.remove(job.id, state.extension);
    } else if (job.status === 'scheduled' || job.status === 'running' || job.status === 'uploading') {
      state.cancel();
      state.abort.abort();
      if (job.status === 'running') this.store.remove(job.id, 'partial');
    } else {
      return;
    }
    job.status = status;
    job.error = error;
    job.finished = new Date().toISOString();
    this.#trimRecords();
  }

  /** Evicts the oldest ready artifacts while the store is over its limits; an artifact alone over the byte limit fails. */
  #enforceLimits(latest: JobState): void {
    const { maxBytes, maxFiles } = this.store.limits;
    if ((latest.job.size ?? 0) > maxBytes) {
      this.#finish(latest, 'failed', `The artifact (${formatMiB(latest.job.size ?? 0)}) is larger than the store's limit.`);
      return;
    }
    const ready = () => [...this.#jobs.values()].filter((state) => state.job.status === 'ready').sort((a, b) => a.job.finished!.localeCompare(b.job.finished!));
    for (let list = ready(); list.length > maxFiles || list.reduce((sum, s) => sum + (s.job.size ?? 0), 0) > maxBytes; list = ready()) {
      const oldest = list[0]!;
      this.#log.warn('scheduled dump evicted', { id: oldest.job.id, kind: oldest.job.kind, size: oldest.job.size });
      this.store.remove(oldest.job.id, oldest.extension);
      this.#jobs.delete(oldest.job.id);
    }
  }

  #sweepOld(): void {
    const cutoff = Date.now() - this.store.limits.maxAgeMs;
    for (const state of [...this.#jobs.values()]) {
      if (state.job.status === 'ready' && Date.parse(state.job.finished!) < cutoff) {
        this.store.remove(state.job.id, state.extension);
        this.#jobs.delete(state.job.id);
      }
    }
  }

  #trimRecords(): void {
    const finished = [...this.#jobs.values()].filter((state) => ['failed', 'cancelled', 'uploaded'].includes(state.job.status));
    for (const state of finished.slice(0, Math.max(0, finished.length - FINISHED_RECORDS_KEPT))) this.#jobs.delete(state.job.id);
  }
}

/** A new job: what was asked, by whom and when; nothing taken yet. */
function newJob(asked: Pick<DumpJob, 'kind' | 'status' | 'trigger' | 'params' | 'created' | 'requestedBy' | 'egress'>): DumpJob {
  const { kind, status, trigger, params, created, requestedBy, egress } = asked;
  // In the order the API has always listed a job's fields.
  return { id: newDumpId(), kind, status, trigger, params, created, requestedBy, started: null, finished: null, size: null, error: null, fileName: null, egress, upload: null, sha256: null };
}

/** A new near-heap-limit snapshot's job: armed by a request, or found running with nobody having asked. */
function nearHeapLimitJob(status: JobStatus, created: string, requestedBy: string | null): DumpJob {
  return newJob({ kind: 'heapsnapshot', status, trigger: { type: 'near-heap-limit' }, params: {}, created, requestedBy, egress: null });
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}

const STORED_STATUSES: readonly string[] = ['ready', 'armed'];

/** A job record read back from a persistent store: the fields the scheduler relies on, with their types. */
function isStoredJob(value: unknown): value is DumpJob {
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
