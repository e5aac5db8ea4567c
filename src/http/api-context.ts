import type { CommandRunner } from '../commands/command-runner.js';
import type { LiveHistory } from '../live/live-history.js';
import type { AuditLogger } from '../log/audit-logger.js';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.js';
import type { OperationRegistry } from '../operations/operation-registry.js';
import type { ResolvedConfig } from '../options/resolve-options.js';
import type { ProbeView } from '../probe/probe-view.js';
import type { RuleEngine } from '../rules/rule-engine.js';
import type { FlightRecorder } from '../recorder/flight-recorder.js';
import type { DumpScheduler } from '../scheduling/dump-scheduler.js';
import type { CdpTarget } from '../targets/target.js';
import type { WorkerThreads } from '../targets/worker-threads.js';

/**
 * What every route gets: the inspected target and the endpoint's shared services, built once by the
 * composition root (endpoint/create-endpoint.ts). What the target can do is read from the target's
 * capabilities and from whether a probe runs, never from a mode.
 */
export interface ApiContext {
  target: CdpTarget;
  /** The app's worker threads, reached through the target's session (`?thread=ID`). */
  threads: WorkerThreads;
  operations: OperationRegistry;
  config: ResolvedConfig;
  log: AuditLogger;
  /** Absent where no probe runs in the target (a remote process): routes say so rather than guess. */
  probe: ProbeView | undefined;
  metrics: PrometheusMetrics;
  dumps: DumpScheduler;
  /** The last fifteen minutes of figures, and the live feed of new ones, for the console. */
  live: LiveHistory;
  /** What the operator must be told on every start (plain HTTP beyond loopback); shown by the index. */
  warnings: readonly string[];
  /** The app's own commands, run where their functions live (none for another process). */
  commands: CommandRunner;
  /** The collection rules and what they have done. */
  rules: RuleEngine;
  /** The always-on recorder, when enabled (it then answers /debug/pprof/heap and /allocs at once). */
  recorder: FlightRecorder | undefined;
}
