import type { AuditLogger } from '../log/audit-logger.js';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.js';
import { DumpScheduler } from '../scheduling/dump-scheduler.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { OperationRegistry } from '../operations/operation-registry.js';
import type { ResolvedConfig } from '../options/resolve-options.js';
import { LeakDetector } from '../probe/leak-detector.js';
import type { ProbeHandle } from '../probe/main-thread-probe.js';
import { ProbeFeed } from '../probe/probe-feed.js';
import { ProbeReader } from '../probe/probe-reader.js';
import type { CdpTarget } from '../targets/target.js';

/** The main-thread probe as a server sees it: current figures, a GC feed, and the leak verdict. */
export interface ProbeView {
  reader: ProbeReader;
  feed: ProbeFeed;
  leaks: LeakDetector;
}

/** What every route handler gets: the inspected target and the server's shared state. */
export interface ApiContext {
  /** `worker`: out of band, on its own thread and port; `router`: mounted in the app's Express app; `sidecar`: another process, over its inspector. */
  mode: 'worker' | 'router' | 'sidecar';
  target: CdpTarget;
  operations: OperationRegistry;
  config: ResolvedConfig;
  log: AuditLogger;
  /** Absent where no probe runs in the target (a remote process): routes say so rather than guess. */
  probe: ProbeView | undefined;
  metrics: PrometheusMetrics;
  dumps: DumpScheduler;
  /** What the operator must be told on every start (plain HTTP beyond loopback); shown by the index. */
  warnings: readonly string[];
  /** Stops the context's timers, cancels pending dumps and removes the dump store. */
  close(): void;
}

export function createApiContext(options: {
  mode: ApiContext['mode'];
  target: CdpTarget;
  config: ResolvedConfig;
  log: AuditLogger;
  probe: ProbeHandle | undefined;
  /** The dump store's directory, made by DumpStore.createDirectory() on the thread that owns the process's exit. */
  dumpsDirectory: string;
  warnings?: readonly string[];
}): ApiContext {
  let probe: ProbeView | undefined;
  if (options.probe !== undefined) {
    const reader = new ProbeReader(options.probe);
    const feed = new ProbeFeed(reader);
    const leaks = new LeakDetector(reader);
    feed.onEvents((events, missed) => leaks.add(events, missed));
    probe = { reader, feed, leaks };
  }
  const metrics = new PrometheusMetrics({
    probe: probe?.reader,
    leaks: probe?.leaks,
    leakWindowSeconds: options.config.leakWindowSeconds,
    inspectsOwnProcess: options.mode !== 'sidecar',
    drain: () => probe?.feed.drain(),
  });
  probe?.feed.onEvents((events) => metrics.observeGcEvents(events));
  const operations = new OperationRegistry();
  const { dumps: limits } = options.config;
  const dumps = new DumpScheduler({
    store: new DumpStore(options.dumpsDirectory, {
      maxBytes: limits.maxBytes,
      maxFiles: limits.maxFiles,
      maxAgeMs: limits.maxAgeSeconds * 1000,
      reserveBytes: limits.reserveBytes,
    }),
    target: options.target,
    operations,
    probe,
    log: options.log,
    options: { maxPendingJobs: limits.maxPendingJobs },
  });
  return {
    mode: options.mode,
    target: options.target,
    operations,
    config: options.config,
    log: options.log,
    probe,
    metrics,
    dumps,
    warnings: options.warnings ?? [],
    close: () => {
      probe?.feed.stop();
      dumps.close();
    },
  };
}
