import { LiveHistory } from '../live/live-history.js';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.js';
import { listThreads } from '../operations/thread-list.js';
import type { ResolvedConfig } from '../options/resolve-options.js';
import { LeakDetector } from '../probe/leak-detector.js';
import type { ProbeHandle } from '../probe/main-thread-probe.js';
import { ProbeFeed } from '../probe/probe-feed.js';
import { ProbeReader } from '../probe/probe-reader.js';
import type { ProbeView } from '../probe/probe-view.js';
import type { CdpTarget } from '../targets/target.js';
import { WorkerThreads } from '../targets/worker-threads.js';

/**
 * What an endpoint runs from its start, whether or not anybody calls it: the probe's feed and the leak
 * detector's GC history, the live history's ring, the GC durations of /metrics. createEndpoint() starts them
 * with the rest; router mode starts them alone and builds the endpoint around them on its first request
 * (maintenance-router.ts), so that an idle app holds only these.
 */
export interface StartedServices {
  target: CdpTarget;
  probe: ProbeView | undefined;
  threads: WorkerThreads;
  metrics: PrometheusMetrics;
  live: LiveHistory;
  /** Stops the feed and the live history. */
  close(): void;
}

export function startServices({ target, probe: handle, config, ownThreadIds = [] }: { target: CdpTarget; probe: ProbeHandle | undefined; config: ResolvedConfig; ownThreadIds?: readonly number[] }): StartedServices {
  const probe = handle === undefined ? undefined : probeView(handle);
  const threads = new WorkerThreads(target, { ownThreadIds });
  const metrics = new PrometheusMetrics({
    probe: probe?.reader,
    leaks: probe?.leaks,
    leakWindowSeconds: config.leakWindowSeconds,
    inspectsOwnProcess: target.capabilities.sharedFileSystem,
    drain: () => probe?.feed.drain(),
    threads: () => listThreads(target, threads),
  });
  probe?.feed.onEvents((events) => metrics.observeGcEvents(events));
  const live = new LiveHistory({ target, probe });
  return {
    target,
    probe,
    threads,
    metrics,
    live,
    close: () => {
      probe?.feed.stop();
      live.close();
    },
  };
}

function probeView(handle: ProbeHandle): ProbeView {
  const reader = new ProbeReader(handle);
  const feed = new ProbeFeed(reader);
  const leaks = new LeakDetector(() => reader.startedAt());
  feed.onEvents((events, missed) => leaks.add(events, missed));
  return { reader, feed, leaks, evalStop: handle.evalStop };
}
