import { contained } from '../contained.js';
import type { LiveHistory } from '../live/live-history.js';
import type { AuditLogger } from '../log/audit-logger.js';
import { artifactFileName } from '../operations/artifacts/artifact-file-name.js';
import type { SamplingHeapProfile } from '../operations/heap-profile.js';
import { runningSamplingProfile, startLiveSampling, stopSampling } from '../operations/heap-sampler.js';
import type { ResolvedRecorderConfig } from '../options/recorder-options.js';
import { readMemoryBudget } from '../probe/memory-limit.js';
import type { GcEvent } from '../probe/probe-reader.js';
import type { ProbeView } from '../probe/probe-view.js';
import type { DumpScheduler } from '../scheduling/dump-scheduler.js';
import type { CdpTarget } from '../targets/target.js';
import { AllocationTally } from './allocation-tally.js';
import { readLeftRecording, recordingPath, removeRecording, writeRecording, type Recording } from './recording-file.js';

/** The last minute: series samples and GC events younger than this are spilled. */
const WINDOW_MS = 60_000;
/** At most this many GC events are kept (a busy app scavenges a few times a second). */
const MAX_GC_EVENTS = 4096;
/**
 * V8 runs a full GC before it answers a sampling profile: the spill waits at least this many times
 * as long as that GC paused the app, so the forced GCs pause it at most 0.25% of its time whatever its
 * heap. Their CPU is a few times their pause (V8 marks with helper threads): within the 1% budget.
 */
const COST_FACTOR = 400;

export interface FlightRecorderDeps {
  target: CdpTarget;
  probe: ProbeView | undefined;
  live: LiveHistory;
  dumps: DumpScheduler;
  log: AuditLogger;
  config: ResolvedRecorderConfig;
  /** The `memoryLimit` option: the process's memory budget, else its cgroup's limit is read. */
  memoryLimit: number | undefined;
}

/**
 * The always-on recorder (docs/recorder.md): keeps V8's sampling heap profiler running on live objects
 * at a large interval, and every few seconds spills the profile with the last minute of the console's
 * series and GC events into the persistent store, atomically. A process that dies without its exit
 * handlers (SIGKILL, an OOM abort, a cgroup kill) leaves its last spill, which the next start with the
 * same store lists as a `last-moments` dump. It also answers `/debug/pprof/heap` and `/allocs` at once.
 */
export class FlightRecorder {
  readonly tally: AllocationTally;
  readonly #deps: FlightRecorderDeps;
  readonly #gcEvents: GcEvent[] = [];
  readonly startedAtMs = Date.now();
  readonly #spills: boolean;
  /** What the process may hold (`memoryLimit`, else its cgroup's limit, else physical memory): a climb of its RSS is measured against it. */
  readonly #memoryLimitBytes: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #closed = false;
  /** One read of the sampler at a time: a spill and a scrape share it. */
  #reading: Promise<SamplingHeapProfile> | undefined;
  /** When the last read of the sampler started (ms since the epoch) and how long it took to answer. */
  #lastRead = { at: 0, wallMs: 0 };
  readonly #unsubscribe: () => void;
  #latest: { profile: SamplingHeapProfile; takenAtMs: number } | undefined;

  constructor(deps: FlightRecorderDeps) {
    this.#deps = deps;
    this.tally = new AllocationTally(deps.config.samplingIntervalBytes);
    this.#spills = deps.dumps.store.persistent;
    this.#memoryLimitBytes = readMemoryBudget({ memoryLimit: deps.memoryLimit }).limitBytes;
    // A listener keeps the series' figures a second old: unwatched, the probe refreshes them every ten.
    this.#unsubscribe = deps.live.subscribe(() => {});
    deps.probe?.feed.onEvents((events) => {
      this.#gcEvents.push(...events);
      if (this.#gcEvents.length > MAX_GC_EVENTS) this.#gcEvents.splice(0, this.#gcEvents.length - MAX_GC_EVENTS);
    });
  }

  /** Whether the sampler runs: the /debug/pprof routes then answer from it at once. */
  get running(): boolean {
    return this.#running && !this.#closed;
  }

  get samplingIntervalBytes(): number {
    return this.#deps.config.samplingIntervalBytes;
  }

  /** Lists what a dead process left, then starts sampling and spilling. Never throws: a failure is logged and the recorder stays off. */
  async start(): Promise<void> {
    const { target, dumps, log, config } = this.#deps;
    if (this.#spills) await this.#adoptLeftRecording();
    try {
      await startLiveSampling(target, config.samplingIntervalBytes);
    } catch (error) {
      log.warn('recorder not started', { error: (error as Error).message });
      return;
    }
    if (this.#closed) {
      await stopSampling(target).catch(() => {});
      return;
    }
    this.#running = true;
    log.info('recorder started', { samplingIntervalBytes: config.samplingIntervalBytes, spillSeconds: config.spillSeconds, spills: this.#spills, store: this.#spills ? dumps.store.directory : undefined });
    this.#schedule(config.spillSeconds * 1000);
  }

  /**
   * The profile of the recorder's last look (its last spill), read now only when there is none yet: a
   * scrape then costs no GC of its own, and answers as Go's does, as of the last collection.
   */
  async latestProfile(): Promise<{ profile: SamplingHeapProfile; takenAtMs: number }> {
    if (this.#latest === undefined) await this.inUseProfile();
    return this.#latest!;
  }

  /** The sampler's profile now (objects sampled and alive after V8's full GC), also counted into the allocations. */
  async inUseProfile(): Promise<SamplingHeapProfile> {
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  /** Stops sampling and removes the spill: an endpoint that closes has not died. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#unsubscribe();
    if (this.#running) void stopSampling(this.#deps.target).catch(() => {});
    if (this.#spills) contained('the recorder', () => removeRecording(this.#deps.dumps.store.directory))();
  }

  async #read(): Promise<SamplingHeapProfile> {
    const started = performance.now();
    const startedAt = Date.now();
    let profile = await runningSamplingProfile(this.#deps.target);
    if (profile === undefined) {
      // Another session stopped V8's one sampler: start it again (what it held before is lost).
      this.#deps.log.warn('recorder: the sampling heap profiler was stopped by another session; started again');
      await startLiveSampling(this.#deps.target, this.#deps.config.samplingIntervalBytes);
      this.tally.samplerRestarted();
      profile = (await runningSamplingProfile(this.#deps.target))!;
    }
    this.#lastRead = { at: startedAt, wallMs: performance.now() - started };
    this.#latest = { profile, takenAtMs: startedAt };
    this.tally.add(profile);
    return profile;
  }

  /**
   * What the read cost the app: the pause of the full GC V8 ran for it, as the probe saw it. The wall
   * time of the read is an upper bound (it also counts the wait for a busy main thread), used where no
   * probe runs.
   */
  #readCostMs(): number {
    const { at, wallMs } = this.#lastRead;
    if (this.#deps.probe === undefined) return wallMs;
    this.#deps.probe.feed.drain();
    const pauses = this.#gcEvents.filter((event) => event.kind === 'major' && event.time >= at).map((event) => event.seconds * 1000);
    return pauses.length === 0 ? wallMs : Math.min(wallMs, Math.max(...pauses));
  }

  /**
   * The next spill comes after `delayMs`, or sooner (not before `spillSeconds`) once what survives GC has
   * grown by a tenth of the heap limit since the last one, or the resident set by a tenth of the memory limit:
   * a climb is what a death by memory looks like, and it buys at most ten extra forced GCs on the way from
   * empty to either limit, whatever the pacing says. The second is the cgroup's kill: a container's limit is
   * often far below V8's heap limit, whose tenth the heap would never climb before the kernel ends the process.
   */
  #schedule(delayMs: number): void {
    if (this.#closed) return;
    const floorMs = this.#deps.config.spillSeconds * 1000;
    const dueAt = Date.now() + delayMs;
    // No GC seen yet: anything that survives one counts as the climb.
    const usedAtLast = this.#heap()?.used ?? 0;
    const rssAtLast = process.memoryUsage.rss();
    const check = (): void => {
      if (this.#closed) return;
      const heap = this.#heap();
      const limit = this.#memoryLimitBytes;
      const climbed = (heap !== undefined && heap.used - usedAtLast >= heap.limit / 10) || (limit !== undefined && process.memoryUsage.rss() - rssAtLast >= limit / 10);
      if (Date.now() < dueAt && !climbed) {
        this.#timer = setTimeout(contained('the recorder', check), Math.min(floorMs, dueAt - Date.now())).unref();
        return;
      }
      void this.#spill().finally(contained('the recorder', () => this.#schedule(Math.max(floorMs, COST_FACTOR * this.#readCostMs()))));
    };
    this.#timer = setTimeout(contained('the recorder', check), Math.min(floorMs, delayMs)).unref();
  }

  /**
   * The old generation after the latest GC (what survives, free of the young generation's swings) and
   * the heap's limit, as the probe last published them: no request to the main thread.
   */
  #heap(): { used: number; limit: number } | undefined {
    const probe = this.#deps.probe;
    if (probe === undefined) return undefined;
    probe.feed.drain();
    const latest = this.#gcEvents.at(-1);
    const { heapLimit } = probe.reader.figures('as-is');
    return latest === undefined || !(heapLimit > 0) ? undefined : { used: latest.oldGenerationAfter, limit: heapLimit };
  }

  async #spill(): Promise<void> {
    if (this.#closed) return;
    try {
      const profile = await this.inUseProfile();
      if (!this.#spills || this.#closed) return;
      writeRecording(this.#deps.dumps.store.directory, this.#recording(profile));
    } catch (error) {
      this.#deps.log.warn('recorder: spill failed', { error: (error as Error).message });
    }
  }

  #recording(profile: SamplingHeapProfile): Recording {
    const since = Date.now() - WINDOW_MS;
    return {
      head: profile.head,
      samples: profile.samples,
      lastMoments: {
        version: 1,
        pid: process.pid,
        recorderStartedAt: new Date(this.startedAtMs).toISOString(),
        spilledAt: new Date().toISOString(),
        profileMs: Math.round(this.#readCostMs() * 10) / 10,
        samplingIntervalBytes: this.#deps.config.samplingIntervalBytes,
        heapProfile: 'live',
        series: this.#deps.live.history().filter((sample) => sample.t >= since),
        gcEvents: this.#gcEvents.filter((event) => event.time >= since),
      },
    };
  }

  /** The spill a process that died left in the store, listed as a `last-moments` dump. */
  async #adoptLeftRecording(): Promise<void> {
    const { dumps, log } = this.#deps;
    const directory = dumps.store.directory;
    try {
      const left = readLeftRecording(directory);
      if (left === undefined) return;
      const { pid, spilledAt } = left.lastMoments;
      const job = await dumps.adoptFinishedFile({
        kind: 'last-moments',
        path: recordingPath(directory),
        takenAt: spilledAt,
        fileName: artifactFileName('last-moments.heapprofile', pid, new Date(spilledAt)),
        trigger: { type: 'recorder' },
      });
      log.warn('recorder: a process ended without closing its endpoint; its last moments are a dump', { id: job.id, pid, spilledAt, size: job.size });
    } catch (error) {
      log.warn('recorder: the last spill of a dead process could not be listed', { error: (error as Error).message });
    }
  }
}
