import type { RequestListener } from 'node:http';
import type { Router } from 'express';
import type { CommandRunner } from '../commands/command-runner.js';
import { LocalCommandRunner } from '../commands/local-command-runner.js';
import type { ApiContext } from '../http/api-context.js';
import { artifactIdentity } from '../egress/object-key.js';
import { sweepStaleUploadsInBackground, type SweepReport, type SweepTiming } from '../egress/stale-upload-sweeper.js';
import { AuditLogger } from '../log/audit-logger.js';
import { OperationRegistry } from '../operations/operation-registry.js';
import type { ResolvedConfig } from '../options/resolve-options.js';
import type { ProbeHandle } from '../probe/main-thread-probe.js';
import type { HttpWatchHandle } from '../probe/http-watch.js';
import type { OutsideView } from '../rules/rule-conditions.js';
import { RuleEngine } from '../rules/rule-engine.js';
import { FlightRecorder } from '../recorder/flight-recorder.js';
import { DumpScheduler } from '../scheduling/dump-scheduler.js';
import { DumpStore } from '../scheduling/dump-store.js';
import type { CdpTarget } from '../targets/target.js';
import { lazyListener } from './lazy-listener.js';
import { startServices, type StartedServices } from './start-services.js';

export interface EndpointParts {
  /** The process the endpoint inspects; what it can do is in its capabilities. */
  target: CdpTarget;
  /** The main-thread probe's shared memory, where one runs in the target (not for another process). */
  probe: ProbeHandle | undefined;
  config: ResolvedConfig;
  /** The dump store's directory, made by DumpStore on the thread that owns the process's exit. */
  dumpsDirectory: string;
  /** An audit log the caller opened early (to record start-up); the endpoint owns and closes it. */
  log?: AuditLogger;
  /** What the operator must be told on every start (plain HTTP beyond loopback); shown by the index. */
  warnings?: readonly string[];
  /** The app's commands: run here (router mode) or on the main thread through a port (worker mode). */
  commands?: CommandRunner;
  /** When the sweep of killed uploads runs (see SweepTiming): at the first upload on the app's own thread. */
  uploadSweep?: SweepTiming;
  /** The app's HTTP responses counted for the rules, where the app's thread watches them. */
  httpWatch?: HttpWatchHandle;
  /** The endpoint's own threads in the target (the server's worker): never listed as the app's. */
  ownThreadIds?: readonly number[];
  /** The services already running over this target and probe (router mode starts them before the endpoint): see start-services.ts. */
  started?: StartedServices;
  /** A sidecar's view of its target from outside, which its rules read (its /proc counters, its loop's turns). */
  outside?: OutsideView;
}

export interface Endpoint {
  context: ApiContext;
  /** The API as an Express router, for an app that mounts it: built on the first call (see http-stack.ts). */
  router(): Promise<Router>;
  /**
   * For a server of our own: a request listener serving the API under `basePath` and a JSON 404 elsewhere.
   * The HTTP stack is loaded when the first request arrives, which waits for it; `onLoaded` runs once it is.
   */
  requestListener(basePath: string, onLoaded?: () => void): RequestListener;
  /** Stops the endpoint's timers, cancels pending dumps, removes the dump store and closes the audit log. */
  close(): void;
}

/**
 * The one composition root: router mode, the worker's server and the sidecar all build the endpoint
 * here from a target, an optional probe and the resolved configuration.
 */
export function createEndpoint({
  target,
  probe: handle,
  config,
  dumpsDirectory,
  log = new AuditLogger(config.auditLog),
  warnings = [],
  commands = new LocalCommandRunner([]),
  uploadSweep = 'background',
  httpWatch,
  ownThreadIds = [],
  started: given,
  outside,
}: EndpointParts): Endpoint {
  const started = given ?? startServices({ target, probe: handle, config, ownThreadIds });
  const { probe, threads, metrics, live } = started;
  const operations = new OperationRegistry();
  const { dumps: limits } = config;
  const artifactLimits = { maxProfileSeconds: config.maxProfileSeconds, memoryLimit: config.memoryLimit };
  const dumps = new DumpScheduler({
    store: new DumpStore(dumpsDirectory, {
      maxBytes: limits.maxBytes,
      maxFiles: limits.maxFiles,
      maxAgeMs: limits.maxAgeSeconds * 1000,
      reserveBytes: limits.reserveBytes,
    }, { persistent: limits.storeDir !== undefined }),
    target,
    threads,
    operations,
    probe,
    log,
    options: {
      maxPendingJobs: limits.maxPendingJobs,
      staging: { memoryLimitBytes: config.spillThresholdBytes, tmpdir: config.tmpdir },
      limits: artifactLimits,
    },
  });
  let rules: RuleEngine;
  try {
    rules = new RuleEngine({ rules: config.rules, sources: { target, probe, memoryLimit: config.memoryLimit, leakWindowSeconds: config.leakWindowSeconds, http: httpWatch, outside }, dumps, log, limits: artifactLimits, destinations: config.egress, holdingMainThread: () => operations.holdingMainThread() });
  } catch (error) {
    started.close();
    dumps.close();
    throw error;
  }
  // Uploads of this process's earlier lives that were killed mid-way. Keys name the inspected process,
  // so only an endpoint inside that process can tell whether it still runs (not the sidecar).
  if (target.capabilities.sharedFileSystem) sweepStaleUploadsInBackground(Object.values(config.egress), () => artifactIdentity(), sweepLog(log), uploadSweep);
  // Inside the recorded process only: its spill must outlive the process, not a sidecar's view of it.
  const recorder = config.recorder !== undefined && target.capabilities.sharedFileSystem ? new FlightRecorder({ target, probe, live, dumps, log, config: config.recorder, memoryLimit: config.memoryLimit }) : undefined;
  void recorder?.start();
  const context: ApiContext = { target, threads, operations, config, log, probe, metrics, dumps, live, warnings, commands, rules, recorder };
  // The services above run from the start (the probe's feed, the live history, the rules, the recorder); the HTTP
  // stack waits for the first request: Express and the routes are most of an idle endpoint's memory.
  let stack: Promise<typeof import('./http-stack.js')> | undefined;
  const loadStack = () => (stack ??= import('./http-stack.js'));
  let router: Promise<Router> | undefined;
  const routerOnce = () => (router ??= loadStack().then((http) => http.apiRouter(context)));
  let closed = false;
  return {
    context,
    router: routerOnce,
    requestListener: (basePath, onLoaded) => lazyListener(async () => {
      const [http, built] = await Promise.all([loadStack(), routerOnce()]);
      const app = http.standaloneApp(built, basePath, context);
      onLoaded?.();
      return app;
    }, (failure) => log.error('request failed', failure)),
    close: () => {
      if (closed) return;
      closed = true;
      started.close();
      recorder?.close();
      rules.close();
      dumps.close();
      log.close();
    },
  };
}

function sweepLog(log: AuditLogger): SweepReport {
  return {
    swept: (result) =>
      result.skipped !== undefined
        ? log.warn('stale multipart uploads not swept', { destination: result.destination, reason: result.skipped })
        : (result.aborted.length > 0 ? log.warn : log.info).call(log, 'stale multipart uploads swept', { ...result }),
    failed: (destination, error) => log.warn('stale multipart upload sweep failed', { destination, error: error.message }),
  };
}
