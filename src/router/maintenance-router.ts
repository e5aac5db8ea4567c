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
import { checkRules } from '../rules/rule-actions.js';
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
 * router is asked for, and the endpoint's services (prom-client, pino, the probe's feed, the live history)
 * are imported in the background from then on; its router (the routes, helmet, the rate limiter) is built
 * on the first request. A request that arrives before it is ready waits.
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
  // Here, before anything starts: the endpoint itself is built on the first request.
  checkRules(config.rules, { offMainThread: false, probe: true, ownProcess: true, http: true }, { maxProfileSeconds: config.maxProfileSeconds, memoryLimit: config.memoryLimit }, config.egress);
  const express = createRequire(import.meta.url)('express') as () => Express;
  // The probe runs for the life of the process once a router is mounted: routers have no close().
  const probe = acquireMainThreadProbe().handle;
  const { directory } = DumpStore.createDirectoryRemovedAtExit(config.dumps.directory, config.tmpdir, config.dumps.storeDir);
  removeRecordingAtProcessEnd(config);
  const endpoint = import('./router-endpoint.js').then(({ routerEndpoint }) => routerEndpoint({ config, probe, httpWatch: watchHttp(config.rules)?.handle, dumpsDirectory: directory, commands: new LocalCommandRunner(resolveCommands(options.commands)) }));
  // A failure to load surfaces on the first request, as a 500; keep it from being an unhandled rejection meanwhile.
  endpoint.catch(() => {});
  // The services start now (the probe's feed, the live history, the rules); the router, with helmet, the rate
  // limiter and the routes, is built when the first request comes. Then requests go to it directly, without a
  // promise turn each.
  let loaded: Router | undefined;
  let router: Promise<Router> | undefined;
  const loadRouter = () => (router ??= endpoint.then((built) => built.router()).then((built) => (loaded = built)));
  return guardTrustProxy(
    express,
    (req, res, next) => (loaded === undefined ? void loadRouter().then((built) => built(req, res, next), next) : loaded(req, res, next)),
    config.rateLimit.keyGenerator !== undefined,
    (message) => void endpoint.then(({ log }) => log.error('refusing requests: misconfigured trust proxy', { detail: message })),
  );
}
