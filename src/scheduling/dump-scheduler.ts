import { renameSync } from 'node:fs';
import { contained } from '../contained.js';
import { MaintenanceError, OperationAbortedError, ProtocolError } from '../errors.js';
import type { AuditLogger } from '../log/audit-logger.js';
import { ARTIFACTS, type ArtifactKindName } from '../operations/artifacts/all-artifacts.js';
import { heapUsage } from '../operations/heap-usage.js';
import type { ArtifactLimits, ArtifactSink, ProduceOptions } from '../operations/artifacts/artifact-kind.js';
import { artifactFileName } from '../operations/artifacts/artifact-file-name.js';
import type { OperationRegistry, RunningOperation } from '../operations/operation-registry.js';
import { inSlot } from '../operations/slot-sequence.js';
import type { S3Destination } from '../options/egress-options.js';
import type { GcEvent } from '../probe/probe-reader.js';
import type { ProbeView } from '../probe/probe-view.js';
import type { CdpTarget } from '../targets/target.js';
import type { WorkerThreads } from '../targets/worker-threads.js';
import { isStoredJob, jobState, newJob, type ArtifactRequest, type DumpJob, type JobState } from './dump-job.js';
import { DumpStore, type PartialFile } from './dump-store.js';
import { inspectWholeSnapshot } from './near-heap-limit-capture.js';
import { NearHeapLimitAdoption } from './near-heap-limit-adoption.js';
import { assertRoomFor, formatMiB } from './store-room.js';
import { recoverStore, sha256File, writeRecord } from './stored-dump-records.js';
import type { Trigger } from './triggers.js';

export interface SchedulerOptions {
  maxPendingJobs: number;
  /** Where a producer that must stage keeps what the file cannot take yet (never needed for a file, kept for the contract). */
  staging: ProduceOptions['staging'];
  /** What bounds artifacts: the memory limit the admission check uses, among others. */
  limits: ArtifactLimits;
}

/** How long a triggered job waits for a busy operation of its kind before it fails. */
const BUSY_WAIT_MS = 60_000;
const FINISHED_RECORDS_KEPT = 100;
const SWEEP_MS = 60_000;

/**
 * Scheduled and conditional dumps: jobs wait for their trigger (a time, the next major GC, the heap
 * crossing a size), run the same operations as direct requests into the private store, and wait there
 * for download, within the store's limits. The jobs are dump-job.ts's; the snapshots Node writes near
 * its heap limit are armed and adopted by near-heap-limit-adoption.ts.
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
  readonly #nearHeapLimit: NearHeapLimitAdoption;
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
    const host = {
      jobs: this.#jobs,
      store: this.store,
      closed: () => this.#closed,
      finish: (state: JobState, status: 'failed' | 'cancelled', error: string) => this.#finish(state, status, error),
      enforceLimits: (latest: JobState) => this.#enforceLimits(latest),
    };
    this.#nearHeapLimit = new NearHeapLimitAdoption({ host, target: deps.target, probe: deps.probe, log: deps.log });
    this.#probe?.feed.onEvents((events) => {
      for (const event of events) for (const waiter of [...this.#gcWaiters]) waiter(event);
    });
    this.#sweeper = setInterval(contained('the dump store sweep', () => this.#sweepOld()), SWEEP_MS).unref();
    if (this.store.persistent) {
      this.#restore();
      this.#nearHeapLimit.start();
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
    // A worker's heap is read when its dump runs; the probe's figures are the main thread's.
    if (request.kind === 'heapsnapshot' && !onWorker) this.#checkDiskSpace();
    const job = newJob({ kind: request.kind, status: 'scheduled', trigger, params: request.params, created: new Date().toISOString(), requestedBy, egress: request.egress?.name ?? null });
    if (onWorker) job.thread = request.thread;
    const extension = ARTIFACTS[request.kind].extension(request.params as never);
    const state = jobState(job, request, extension);
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
    this.#nearHeapLimit.stop();
    for (const state of this.#jobs.values()) {
      if (this.store.persistent && (state.job.status === 'ready' || state.job.status === 'armed')) continue;
      this.#finish(state, 'cancelled', 'The endpoint closed.');
    }
    this.store.removeAll();
  }

  /**
   * `when=near-heap-limit`: arms Node's near-heap-limit snapshot in the target and lists the job as
   * `armed` until the snapshot is adopted into the store (near-heap-limit-adoption.ts). Arming twice
   * answers the job already armed: Node writes one snapshot. A heap snapshot without egress: the
   * request's parameters were checked for that (triggers.ts, checkSchedule).
   */
  async armNearHeapLimit(requestedBy: string | null = null): Promise<DumpJob> {
    if (this.#closed) throw new MaintenanceError('SHUTTING_DOWN', 'The endpoint is closing.');
    return this.#nearHeapLimit.arm(requestedBy);
  }

  /**
   * Takes a finished file of this store's directory (written whole and renamed by its maker) as a ready
   * dump of `kind`, taken at `takenAt`: the record first, then the rename, as for a near-heap-limit
   * snapshot, so a crash between leaves nothing listed half-way.
   */
  async adoptFinishedFile({ kind, path, takenAt, fileName, trigger }: { kind: ArtifactKindName; path: string; takenAt: string; fileName: string; trigger: Trigger }): Promise<DumpJob> {
    const extension = ARTIFACTS[kind].extension({} as never);
    const job = newJob({ kind, status: 'ready', trigger, params: {}, created: takenAt, requestedBy: null, egress: null });
    const { size, sha256 } = await inspectWholeSnapshot(path);
    Object.assign(job, { started: takenAt, finished: new Date().toISOString(), size, sha256, fileName });
    if (this.store.persistent) writeRecord(this.store.directory, { version: 1, job, extension });
    renameSync(path, this.store.pathOf(job.id, extension));
    const state: JobState = { job, request: { kind, params: {} }, extension, cancel: () => {}, abort: new AbortController() };
    this.#jobs.set(job.id, state);
    this.#enforceLimits(state);
    return { ...job };
  }

  /** A persistent store's ready dumps and armed jobs, as the last process left them. */
  #restore(): void {
    const recovered = recoverStore(this.store.directory, isStoredJob);
    if (recovered.removed.length > 0) this.#log.warn('dump store: removed what a stopped process left unfinished', { files: recovered.removed });
    if (recovered.ignored.length > 0) this.#log.warn('dump store: left alone entries that are not regular files of its own (never followed, served nor removed)', { files: recovered.ignored });
    for (const record of [...recovered.ready, ...recovered.armed]) {
      this.#jobs.set(record.job.id, jobState(record.job, { kind: record.job.kind, params: record.job.params }, record.extension));
    }
  }

  #arm(state: JobState): void {
    const { trigger } = state.job;
    if (trigger.type === 'near-heap-limit' || trigger.type === 'recorder') return; // armed in the target, or adopted ready
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
    const artifact = ARTIFACTS[state.request.kind];
    let partial: PartialFile | undefined;
    let target: CdpTarget | undefined;
    try {
      const taken = await inSlot({
        take: () => this.#operations.beginWhenFree(artifact.lock, { waitMs: BUSY_WAIT_MS, signal: state.abort.signal, thread: state.job.thread ?? 0 }),
        admit: async () => {
          // A worker that has exited since fails the job as a request would be refused (THREAD_NOT_FOUND).
          target = await this.#targetOf(state.job.thread);
          if (state.request.kind === 'heapsnapshot') {
            this.#checkDiskSpace(state.job.thread === undefined ? undefined : 2 * (await heapUsage(target)).usedSize);
          }
          // A dump that would not fit in memory when it fires fails with the same reason a request would get.
          return artifact.admit?.(target, state.request.params as never, this.#options.limits);
        },
        started: (admission) => {
          partial = this.store.open(state.job.id, state.extension);
          this.#log.started({ scheduled: state.job.id, kind: state.job.kind, tokenId: state.job.requestedBy, params: state.job.params, ...(state.job.thread !== undefined && { thread: state.job.thread }), ...(admission ? { admission } : {}) });
        },
        produce: (operation) => this.#produce(state, target!, partial!, operation!),
      });
      // The slot is free again: what follows reads the file, not the target.
      if (state.job.status !== 'running') {
        partial!.discard(); // cancelled meanwhile
        return;
      }
      state.job.size = partial!.complete();
      state.job.fileName = taken.fileName;
      if (taken.redacted !== undefined) state.job.redacted = taken.redacted;
      if (state.request.egress !== undefined) {
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
      // The upload's code (and the SDK it loads) only once a dump has a destination.
      const { uploadStoredDump } = await import('./upload-stored-dump.js');
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

  /** `needed`: twice the heap in use of the thread whose snapshot it is (the main thread's by default). */
  #checkDiskSpace(needed: number = 2 * (this.#probe?.reader.figures().heapUsed ?? Number.NaN)): void {
    // A snapshot's JSON is commonly 0.5 to 2 times the heap in use: plan for the high end.
    assertRoomFor(this.store, needed, 'a heap snapshot of this heap');
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
