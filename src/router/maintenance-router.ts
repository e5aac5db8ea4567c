import type { Express, Router } from 'express';
import { createRequire } from 'node:module';
import { LocalCommandRunner } from '../commands/local-command-runner.js';
import { resolveCommands } from '../options/command-options.js';
import { ConfigError } from '../errors.js';
import { checkOptionNames, MAINTENANCE_OPTION_NAMES } from '../options/option-names.js';
import { resolveConfig, type MaintenanceOptions } from '../options/resolve-options.js';
import { acquireMainThreadProbe } from '../probe/main-thread-probe.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { removeRecordingAtProcessEnd } from '../recorder/recording-file.js';
import type * as RuleActions from '../rules/rule-actions.js';
import { watchHttp } from '../probe/http-watch.js';
import { guardTrustProxy } from './trust-proxy-guard.js';

/**
 * The maintenance API as a sub-app for the app's own Express app:
 * `app.use('/ops', maintenanceRouter({ tokens }))`.
 *
 * It runs on the app's thread through an in-process inspector session, so it answers only while the
 * app's loop turns, and a heap snapshot freezes the loop while V8 serializes (a reader thread stages
 * what V8 writes, within the memory bound and then in a private spill file). Prefer
 * `startMaintenanceServer()`, which stays out of band. Throws a ConfigError on bad options, at once,
 * and when mounted in an app whose `trust proxy` believes every hop (unless `rateLimit.keyGenerator`
 * is given).
 *
 * Nothing of the HTTP stack is loaded when the package is imported: Express is required here, when a
 * router is asked for. What must run from the start runs from here (the probe's feed, the leak detector's
 * GC history, the live history, the GC durations of /metrics: start-services.ts); the rest of the endpoint
 * (the dump scheduler, the operations, the audit log's writer) is built on the first request, or at once
 * when a feature that acts without requests is configured (rules, the recorder, a persistent store). Its
 * router (the routes, helmet, the rate limiter) is built on the first request. A request that arrives
 * before it is ready waits.
 */
export function maintenanceRouter(options: MaintenanceOptions): Express {
  checkOptionNames(options, MAINTENANCE_OPTION_NAMES);
  if (options?.trustProxy !== undefined) {
    throw new ConfigError('TRUST_PROXY', "In router mode the app's own `trust proxy` setting applies; set it on the app.");
  }
  if (options?.healthProbes !== undefined) {
    throw new ConfigError(
      'INVALID_OPTIONS',
      "`healthProbes` needs startMaintenanceServer(): in router mode they would be answered by the app's own thread, the one they are meant to judge.",
    );
  }
  const config = resolveConfig(options);
  // Here, before anything starts: the endpoint itself is built on the first request. The check reads the artifact
  // table, which an app without rules never needs before a request: loaded only when there are rules to check
  // (synchronously, require() of our own ES module, so that a mistake still throws from this call).
  const require = createRequire(import.meta.url);
  if (config.rules.length > 0) (require('../rules/rule-actions.js') as typeof RuleActions).checkRules(config.rules, { offMainThread: false, probe: true, ownProcess: true, http: true }, { maxProfileSeconds: config.maxProfileSeconds, memoryLimit: config.memoryLimit }, config.egress);
  const express = require('express') as () => Express;
  // The probe runs for the life of the process once a router is mounted: routers have no close().
  const probe = acquireMainThreadProbe().handle;
  const { directory } = DumpStore.createDirectoryRemovedAtExit(config.dumps.directory, config.tmpdir, config.dumps.storeDir);
  removeRecordingAtProcessEnd(config);
  // Imported in the background, not with the package: an app that runs worker mode never loads them in its thread.
  const services = Promise.all([import('../targets/inspector-session-target.js'), import('../endpoint/start-services.js')]).then(([{ InspectorSessionTarget }, { startServices }]) =>
    startServices({ target: InspectorSessionTarget.sameThread(), probe, config }),
  );
  const httpWatch = watchHttp(config.rules)?.handle;
  let endpoint: Promise<Awaited<ReturnType<typeof import('./router-endpoint.js').routerEndpoint>>> | undefined;
  const loadEndpoint = () => {
    if (endpoint !== undefined) return endpoint;
    endpoint = Promise.all([services, import('./router-endpoint.js')]).then(([started, { routerEndpoint }]) =>
      routerEndpoint({ config, probe, httpWatch, dumpsDirectory: directory, commands: new LocalCommandRunner(resolveCommands(options.commands)), target: started.target, started }),
    );
    // A failure to load surfaces on the first request, as a 500; keep it from being an unhandled rejection meanwhile.
    endpoint.catch(() => {});
    return endpoint;
  };
  services.catch(() => {});
  // Rules, the recorder and a persistent store (whose near-heap-limit snapshots are adopted) act without a request.
  if (config.rules.length > 0 || config.recorder !== undefined || config.dumps.storeDir !== undefined) void loadEndpoint();
  // The router, with helmet, the rate limiter and the routes, is built when the first request comes. Then
  // requests go to it directly, without a promise turn each.
  let loaded: Router | undefined;
  let router: Promise<Router> | undefined;
  const loadRouter = () => (router ??= loadEndpoint().then((built) => built.router()).then((built) => (loaded = built)));
  return guardTrustProxy(
    express,
    (req, res, next) => (loaded === undefined ? void loadRouter().then((built) => built(req, res, next), next) : loaded(req, res, next)),
    config.rateLimit.keyGenerator !== undefined,
    (message) => void loadEndpoint().then(({ log }) => log.error('refusing requests: misconfigured trust proxy', { detail: message })),
  );
}
