import type { Express, Router } from 'express';
import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';
import { MAINTENANCE_OPTION_NAMES } from '../options/option-names.js';
import type { MaintenanceOptions } from '../options/resolve-options.js';
import { startInAppEndpoint } from './in-app-endpoint.js';
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
 * when a feature that acts without requests is configured (rules, the recorder, a persistent store, egress). Its
 * router (the routes, helmet, the rate limiter) is built on the first request. A request that arrives
 * before it is ready waits.
 */
export function maintenanceRouter(options: MaintenanceOptions): Express {
  if (options?.trustProxy !== undefined) {
    throw new ConfigError('TRUST_PROXY', "In router mode the app's own `trust proxy` setting applies; set it on the app.");
  }
  const { config, load: loadEndpoint } = startInAppEndpoint(options, MAINTENANCE_OPTION_NAMES);
  const require = createRequire(import.meta.url);
  const express = require('express') as () => Express;
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
