import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { heldSlots, LOCK_KINDS } from '../operations/process-locks.js';
import type { ThreadFigures } from '../operations/thread-list.js';
import type { LeakDetector } from '../probe/leak-detector.js';
import type { ProbeReader } from '../probe/probe-reader.js';

// prom-client's root also loads its default collectors, the cluster aggregator, the push gateway and
// the OpenTelemetry API (for exemplars): about 3.4 MB of resident memory in the server's thread, for
// parts the endpoint never uses. The four classes it uses are the same modules the root re-exports.
const require = createRequire(import.meta.url);
const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
type Counter<T extends string> = PromClient.Counter<T>;
type Histogram<T extends string> = PromClient.Histogram<T>;

/** prom-client's buckets for nodejs_gc_duration_seconds, so existing dashboards read ours unchanged. */
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

export interface MetricsSources {
  probe: ProbeReader | undefined;
  leaks: LeakDetector | undefined;
  leakWindowSeconds: number;
  /** The endpoint runs inside the inspected process: process_* figures then describe the app. */
  inspectsOwnProcess: boolean;
  /** Brings GC events up to date before an exposition. */
  drain: () => void;
  /** The app's threads with their own heap and loop figures (GET /threads), for the per-thread series. */
  threads?: () => Promise<ThreadFigures[]>;
}

/** One listing of the threads serves every per-thread family of an exposition (each family collects on its own). */
const THREAD_READING_REUSE_MS = 1000;

/**
 * The Prometheus exposition. Metric names are prom-client's defaults (nodejs_heap_size_used_bytes,
 * nodejs_eventloop_lag_seconds, nodejs_gc_duration_seconds, process_*...), so dashboards built for
 * prom-client work unchanged, but every nodejs_* value is the app's main thread, read from the probe:
 * prom-client's own collectors would describe whichever thread runs them, here the endpoint's worker.
 * process_* figures are process-wide and read directly.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'status'>;
  /** Only with a probe: GC durations come from it, and a histogram that can never fill would mislead. */
  readonly #gcDuration: Histogram<'kind'> | undefined;
  readonly #sources: MetricsSources;
  #threadReading: { at: number; threads: Promise<ThreadFigures[]> } | undefined;

  constructor(sources: MetricsSources) {
    this.#sources = sources;
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'maintenance_endpoint_requests_total',
      help: 'Requests to the maintenance endpoint, by route and status.',
      labelNames: ['route', 'status'],
      registers,
    });
    new Gauge({
      name: 'maintenance_endpoint_operations_in_progress',
      help: "Heavy operations running now in this process, by kind and the app's thread they work on (0: main; a worker's only while it has one).",
      labelNames: ['kind', 'thread'],
      registers,
      collect() {
        this.reset();
        for (const kind of LOCK_KINDS) this.set({ kind, thread: '0' }, 0);
        for (const slot of heldSlots()) this.inc({ kind: slot.kind, thread: String(slot.thread) });
      },
    });
    if (sources.threads !== undefined) this.#threadMetrics(sources.threads, registers);
    this.#gcDuration =
      sources.probe === undefined
        ? undefined
        : new Histogram({
            name: 'nodejs_gc_duration_seconds',
            help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
            labelNames: ['kind'],
            buckets: GC_BUCKETS,
            registers,
          });
    // A sidecar's own process figures would pass for the target's: leave them out rather than mislead.
    if (sources.inspectsOwnProcess) this.#processMetrics(registers);
    if (sources.probe !== undefined) this.#mainThreadMetrics(sources.probe, registers);
    if (sources.leaks !== undefined) this.#leakMetrics(sources.leaks, registers);
  }

  countRequest(route: string, status: number): void {
    this.#requests.inc({ route, status: String(status) });
  }

  /** Feeds GC events the probe recorded since the last call into the duration histogram. */
  observeGcEvents(events: ReadonlyArray<{ kind: string; seconds: number }>): void {
    for (const event of events) this.#gcDuration?.observe({ kind: event.kind }, event.seconds);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    this.#sources.drain();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Per-thread series, labelled `thread` (Node's threadId, 0 for main) and `name`: each thread's own V8 heap
   * and its event-loop utilization since it started, read through its inspector session at scrape time. A
   * thread that does not answer within a second is left out of that exposition.
   */
  #threadMetrics(list: () => Promise<ThreadFigures[]>, registers: PromClient.Registry[]): void {
    const reading = (): Promise<ThreadFigures[]> => {
      const now = Date.now();
      if (this.#threadReading === undefined || now - this.#threadReading.at > THREAD_READING_REUSE_MS) {
        this.#threadReading = { at: now, threads: list().catch(() => []) };
      }
      return this.#threadReading.threads;
    };
    const perThread = (name: string, help: string, pick: (thread: ThreadFigures) => number | null | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['thread', 'name'],
        registers,
        async collect() {
          this.reset();
          for (const thread of await reading()) {
            const value = pick(thread);
            if (typeof value === 'number') this.set({ thread: String(thread.id), name: thread.name }, value);
          }
        },
      });
    perThread('maintenance_endpoint_thread_heap_used_bytes', 'Heap used by each thread of the app (its own V8 heap), by thread id and name.', (thread) => thread.heapUsedBytes);
    perThread('maintenance_endpoint_thread_heap_total_bytes', 'Heap size of each thread of the app (its own V8 heap), by thread id and name.', (thread) => thread.heapTotalBytes);
    perThread('maintenance_endpoint_thread_event_loop_utilization', "Each thread's event-loop utilization since it started (0 to 1), by thread id and name.", (thread) => thread.eventLoopUtilization?.utilization);
  }

  #processMetrics(registers: PromClient.Registry[]): void {
    const cpu = (name: string, help: string, pick: (usage: NodeJS.CpuUsage) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(pick(process.cpuUsage()) / 1e6); } });
    cpu('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', (u) => u.user);
    cpu('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', (u) => u.system);
    cpu('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (u) => u.user + u.system);
    const startTime = Math.round(Date.now() / 1000 - process.uptime());
    new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', registers, collect() { this.set(startTime); } });
    new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', registers, collect() { this.set(process.memoryUsage.rss()); } });
    if (process.platform === 'linux') {
      const status = (field: string) => Number(/(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8').split('\n').find((line) => line.startsWith(field)) ?? '')?.[1] ?? 0) * 1024;
      new Gauge({ name: 'process_virtual_memory_bytes', help: 'Virtual memory size in bytes.', registers, collect() { this.set(status('VmSize:')); } });
      new Gauge({ name: 'process_heap_bytes', help: 'Process heap size in bytes.', registers, collect() { this.set(status('VmData:')); } });
      new Gauge({ name: 'process_open_fds', help: 'Number of open file descriptors.', registers, collect() { this.set(readdirSync('/proc/self/fd').length); } });
      const maxFds = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 0);
      new Gauge({ name: 'process_max_fds', help: 'Maximum number of open file descriptors.', registers, collect() { this.set(maxFds); } });
    }
    const [major, minor, patch] = process.versions.node.split('.').map(Number);
    new Gauge({
      name: 'nodejs_version_info',
      help: 'Node.js version info.',
      labelNames: ['version', 'major', 'minor', 'patch'],
      registers,
      collect() { this.set({ version: process.version, major: String(major), minor: String(minor), patch: String(patch) }, 1); },
    });
  }

  #mainThreadMetrics(probe: ProbeReader, registers: PromClient.Registry[]): void {
    const figure = (name: string, help: string, pick: (f: ReturnType<ProbeReader['figures']>) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(pick(probe.figures())); } });
    figure('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', (f) => f.heapTotal);
    figure('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', (f) => f.heapUsed);
    figure('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', (f) => f.external);
    figure('nodejs_active_resources_total', 'Total number of active resources.', (f) => f.activeResources);
    // prom-client's nodejs_eventloop_lag_seconds is the lag seen now; a blocked loop shows as the time
    // since the probe last managed to run, beyond its interval.
    figure('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', (f) =>
      Math.max(f.lastTickLagSeconds, (Date.now() - f.updatedAt - f.intervalMs) / 1000, 0),
    );
    for (const [suffix, key] of [['min', 'min'], ['max', 'max'], ['mean', 'mean'], ['stddev', 'stddev'], ['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99']] as const) {
      figure(`nodejs_eventloop_lag_${suffix}_seconds`, `The ${suffix} of the recorded event loop delays.`, (f) => f.eventLoopDelay[key]);
    }
    figure('maintenance_endpoint_eventloop_utilization_ratio', 'Share of the last second the main thread was busy (0..1).', (f) => f.eventLoopUtilization);
    figure('maintenance_endpoint_probe_age_seconds', 'Seconds since the main-thread probe last published (large: the main thread is blocked).', (f) =>
      (Date.now() - f.updatedAt) / 1000,
    );
    const space = (name: string, help: string, pick: (s: ReturnType<ProbeReader['figures']>['spaces'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['space'],
        registers,
        collect() {
          for (const s of probe.figures().spaces) this.set({ space: s.name.replace(/_space$/, '') }, pick(s));
        },
      });
    space('nodejs_heap_space_size_total_bytes', 'Process heap space size total from Node.js in bytes.', (s) => s.sizeBytes);
    space('nodejs_heap_space_size_used_bytes', 'Process heap space size used from Node.js in bytes.', (s) => s.usedBytes);
    space('nodejs_heap_space_size_available_bytes', 'Process heap space size available from Node.js in bytes.', (s) => s.availableBytes);
  }

  #leakMetrics(leaks: LeakDetector, registers: PromClient.Registry[]): void {
    const windowSeconds = this.#sources.leakWindowSeconds;
    let cached: { at: number; verdict: ReturnType<LeakDetector['verdict']> } | undefined;
    const verdict = () => {
      if (cached === undefined || Date.now() - cached.at > 1000) cached = { at: Date.now(), verdict: leaks.verdict({ windowSeconds }) };
      return cached.verdict;
    };
    new Gauge({
      name: 'maintenance_endpoint_leak_suspected',
      help: 'Leak verdict of /memory/leaks: 1 leak, 0 no-leak (leaks of 10 KiB/s or more ruled out), -1 insufficient data (undecided).',
      registers,
      collect() {
        const kind = verdict().verdict;
        this.set(kind === 'leak' ? 1 : kind === 'no-leak' ? 0 : -1);
      },
    });
    new Gauge({
      name: 'maintenance_endpoint_heap_growth_bytes_per_second',
      help: 'Growth of the heap left after GC over the leak window, in bytes per second.',
      registers,
      collect() { this.set(verdict().evidence?.growthBytesPerSecond ?? 0); },
    });
  }
}
