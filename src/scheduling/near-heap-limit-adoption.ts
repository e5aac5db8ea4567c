import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { contained } from '../contained.js';
import type { AuditLogger } from '../log/audit-logger.js';
import type { ProbeView } from '../probe/probe-view.js';
import type { CdpTarget } from '../targets/target.js';
import { AdoptionRetries } from './adoption-retries.js';
import { jobState, nearHeapLimitJob, type DumpJob, type JobState } from './dump-job.js';
import type { DumpStore } from './dump-store.js';
import { armingWarning, armNearHeapLimitCapture, inspectWholeSnapshot, nearHeapLimitWritesInto, scanForSnapshots, writerGone, type WriterJudgement } from './near-heap-limit-capture.js';
import { assertRoomFor } from './store-room.js';
import { writeRecord } from './stored-dump-records.js';
import { startedAfter, TargetStartWatch } from './target-start-watch.js';

/** How often a persistent store looks for a snapshot Node wrote into it by itself. */
const ADOPT_SCAN_MS = 1000;

/** What adoption shares with the scheduler: its jobs, its store, and how it ends and bounds a job. */
export interface AdoptionHost {
  readonly jobs: Map<string, JobState>;
  readonly store: DumpStore;
  closed(): boolean;
  finish(state: JobState, status: 'failed' | 'cancelled', error: string): void;
  enforceLimits(latest: JobState): void;
}

/**
 * `when=near-heap-limit`: arms Node's own near-heap-limit snapshot in the target, lists the job as
 * `armed`, and adopts into a persistent store the whole snapshots Node writes there (the capture's
 * rules are in near-heap-limit-capture.ts).
 */
export class NearHeapLimitAdoption {
  readonly #host: AdoptionHost;
  readonly #target: CdpTarget;
  readonly #probe: ProbeView | undefined;
  readonly #log: AuditLogger;
  #scanner: NodeJS.Timeout | undefined;
  /** Names of Node's snapshot files being adopted, so a scan does not take one twice. */
  readonly #adopting = new Set<string>();
  readonly #retries = new AdoptionRetries();
  /** Outside the target (a sidecar), files and the target's start time tell whether a writer is gone, never a pid. */
  readonly #judgement: WriterJudgement;
  readonly #targetStart: TargetStartWatch;
  #arming: Promise<DumpJob> | undefined;

  constructor(deps: { host: AdoptionHost; target: CdpTarget; probe: ProbeView | undefined; log: AuditLogger }) {
    this.#host = deps.host;
    this.#target = deps.target;
    this.#probe = deps.probe;
    this.#log = deps.log;
    this.#judgement = deps.target.capabilities.sharedFileSystem ? 'pid' : 'file';
    this.#targetStart = new TargetStartWatch(deps.target);
  }

  /** Looks now, then every second, for the snapshots Node wrote into a persistent store. */
  start(): void {
    this.#scan();
    this.#scanner = setInterval(contained('the near-heap-limit adoption', () => this.#scan()), ADOPT_SCAN_MS).unref();
  }

  stop(): void {
    clearInterval(this.#scanner);
  }

  /** Arms the target (once: arming twice answers the job already armed, since Node writes one snapshot). */
  arm(requestedBy: string | null): Promise<DumpJob> {
    this.#arming ??= this.#arm(requestedBy).finally(() => (this.#arming = undefined));
    return this.#arming;
  }

  async #arm(requestedBy: string | null): Promise<DumpJob> {
    const { jobs, store } = this.#host;
    const pid = await this.#target.processId();
    const armed = [...jobs.values()].find((state) => state.job.status === 'armed' && state.job.nearHeapLimit?.pid === pid);
    if (armed !== undefined) return { ...armed.job };
    const heapLimit = this.#probe?.reader.figures().heapLimit;
    // Only when Node will write into the store: a snapshot written elsewhere takes none of its space.
    if (heapLimit !== undefined && heapLimit > 0 && (await nearHeapLimitWritesInto(this.#target, store.directory))) {
      assertRoomFor(store, heapLimit * 2, 'a snapshot of a full heap');
    }
    const arming = await armNearHeapLimitCapture(this.#target, store.directory);
    const warning = armingWarning(arming, store.persistent);
    const job: DumpJob = {
      ...nearHeapLimitJob('armed', new Date().toISOString(), requestedBy),
      nearHeapLimit: arming,
      ...(warning !== undefined && { warning }),
    };
    jobs.set(job.id, jobState(job, { kind: 'heapsnapshot', params: {} }, 'heapsnapshot'));
    if (store.persistent) writeRecord(store.directory, { version: 1, job, extension: 'heapsnapshot', pid: arming.pid });
    this.#log.info('near-heap-limit snapshot armed', { id: job.id, tokenId: requestedBy, ...arming, ...(warning !== undefined && { warning }) });
    return { ...job };
  }

  /**
   * Adopts the whole snapshots Node wrote into the store (into the armed job of their process, or as a
   * dump of their own when the process was armed otherwise), removes those cut short by a writer that
   * is gone, and fails armed jobs whose process ended without leaving a whole snapshot.
   */
  #scan(): void {
    if (this.#host.closed()) return;
    const { jobs, store } = this.#host;
    let scan;
    try {
      scan = scanForSnapshots(store.directory, new Set([...this.#adopting, ...this.#retries.skipped()]), this.#judgement);
    } catch (error) {
      this.#log.warn('dump store: cannot look for near-heap-limit snapshots', { error: (error as Error).message });
      return;
    }
    if (scan.removed.length > 0) this.#log.warn('dump store: removed heap snapshots cut short', { files: scan.removed });
    const claimedPids = new Set<number>();
    for (const file of scan.whole) {
      this.#adopting.add(file.name);
      const armed = [...jobs.values()].find((state) => state.job.status === 'armed' && file.pid !== undefined && state.job.nearHeapLimit?.pid === file.pid);
      if (file.pid !== undefined) claimedPids.add(file.pid);
      if (armed !== undefined) armed.job.status = 'running'; // claimed: no second file goes to it
      void this.#adopt(file, armed).finally(() => this.#adopting.delete(file.name));
    }
    for (const state of jobs.values()) {
      const { job } = state;
      if (job.status !== 'armed' || job.nearHeapLimit === undefined || claimedPids.has(job.nearHeapLimit.pid)) continue;
      if (!this.#armedProcessGone(job.nearHeapLimit.pid, Date.parse(job.created))) continue;
      this.#host.finish(
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
    const { jobs, store } = this.#host;
    const taken = new Date(file.modifiedMs).toISOString();
    const state: JobState = armed ?? jobState(nearHeapLimitJob('running', taken, null), { kind: 'heapsnapshot', params: {} }, 'heapsnapshot');
    const { job } = state;
    try {
      const { size, sha256 } = await inspectWholeSnapshot(file.path);
      if (this.#host.closed() || job.status !== 'running') return;
      Object.assign(job, { status: 'ready', started: taken, finished: new Date().toISOString(), size, sha256, fileName: file.name, redacted: false });
      // The record first, then the rename: a crash between leaves a record without its file (dropped at
      // the next start) and Node's file under its own name (adopted again), never a file listed half-way.
      writeRecord(store.directory, { version: 1, job, extension: 'heapsnapshot', adoptedFrom: file.name });
      renameSync(file.path, join(store.directory, `${job.id}.heapsnapshot`));
      jobs.set(job.id, state);
      this.#log.info('near-heap-limit snapshot adopted', { id: job.id, file: file.name, size, sha256 });
      this.#retries.succeeded(file.name);
      this.#host.enforceLimits(state);
    } catch (error) {
      const outcome = this.#retries.failed(file.name);
      if (outcome === 'given-up') {
        this.#log.warn('near-heap-limit snapshot not adopted: given up after repeated failures; the file stays where it is', { file: file.name, error: (error as Error).message });
      } else if (outcome === 'first') {
        this.#log.warn('near-heap-limit snapshot not adopted yet: tried again less and less often', { file: file.name, error: (error as Error).message });
      }
      if (armed !== undefined && job.status === 'running') job.status = 'armed';
    }
  }
}
