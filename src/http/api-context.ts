import type { AuditLogger } from '../log/audit-logger.js';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.js';
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
  /** `worker`: out of band, on its own thread and port; `router`: mounted in the app's Express app. */
  mode: 'worker' | 'router';
  target: CdpTarget;
  operations: OperationRegistry;
  config: ResolvedConfig;
  log: AuditLogger;
  /** Absent where no probe runs in the target (a remote process): routes say so rather than guess. */
  probe: ProbeView | undefined;
  metrics: PrometheusMetrics;
  /** Stops the context's timers. */
  close(): void;
}

export function createApiContext(options: {
  mode: ApiContext['mode'];
  target: CdpTarget;
  config: ResolvedConfig;
  log: AuditLogger;
  probe: ProbeHandle | undefined;
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
    drain: () => probe?.feed.drain(),
  });
  probe?.feed.onEvents((events) => metrics.observeGcEvents(events));
  return {
    mode: options.mode,
    target: options.target,
    operations: new OperationRegistry(),
    config: options.config,
    log: options.log,
    probe,
    metrics,
    close: () => probe?.feed.stop(),
  };
}
