import type { Express } from 'express';
import { createApiRouter } from '../http/create-api-router.js';
import { AuditLogger } from '../log/audit-logger.js';
import { createApiContext } from '../http/api-context.js';
import { ConfigError } from '../options/errors.js';
import { resolveConfig, type MaintenanceOptions } from '../options/resolve-options.js';
import { acquireMainThreadProbe } from '../probe/main-thread-probe.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { InspectorSessionTarget } from '../targets/inspector-session-target.js';
import { guardTrustProxy } from './trust-proxy-guard.js';

/**
 * The maintenance API as a router for the app's own Express app:
 * `app.use('/ops', maintenanceRouter({ tokens }))`.
 *
 * It runs on the app's thread through an in-process inspector session, so it answers only while the
 * app's loop turns, and a heap snapshot freezes the loop while V8 serializes (V8 hands every chunk
 * over synchronously; what the socket cannot take at once spills past the bound to a private file).
 * Prefer `startMaintenanceServer()`, which stays out of band. Throws a ConfigError on bad options, and
 * when mounted in an app whose `trust proxy` believes every hop (unless `rateLimit.keyGenerator` is given).
 */
export function maintenanceRouter(options: MaintenanceOptions): Express {
  if (options?.trustProxy !== undefined) {
    throw new ConfigError('ERR_TRUST_PROXY', "In router mode the app's own `trust proxy` setting applies; set it on the app.");
  }
  const config = resolveConfig(options);
  const log = new AuditLogger(config.auditLog);
  const context = createApiContext({
    mode: 'router',
    target: InspectorSessionTarget.sameThread(),
    config,
    log,
    // The probe runs for the life of the process once a router is mounted: routers have no close().
    probe: acquireMainThreadProbe().handle,
    dumpsDirectory: DumpStore.createDirectoryRemovedAtExit(config.dumps.directory).directory,
  });
  return guardTrustProxy(createApiRouter(context), log, config.rateLimit.keyGenerator !== undefined);
}
