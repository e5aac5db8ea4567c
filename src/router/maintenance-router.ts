import type { Router } from 'express';
import { createApiRouter } from '../http/create-api-router.js';
import { AuditLogger } from '../log/audit-logger.js';
import { createApiContext } from '../http/api-context.js';
import { ConfigError } from '../options/errors.js';
import { resolveConfig, type MaintenanceOptions } from '../options/resolve-options.js';
import { acquireMainThreadProbe } from '../probe/main-thread-probe.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { InspectorSessionTarget } from '../targets/inspector-session-target.js';

/**
 * The maintenance API as a router for the app's own Express app:
 * `app.use('/ops', maintenanceRouter({ tokens }))`.
 *
 * It runs on the app's thread through an in-process inspector session, so it answers only while the
 * app's loop turns, and a heap snapshot freezes the loop while V8 serializes (V8 hands every chunk
 * over synchronously; what the socket cannot take at once spills past the bound to a private file).
 * Prefer `startMaintenanceServer()`, which stays out of band. Throws a ConfigError on bad options.
 */
export function maintenanceRouter(options: MaintenanceOptions): Router {
  if (options?.trustProxy !== undefined) {
    throw new ConfigError('ERR_TRUST_PROXY', "In router mode the app's own `trust proxy` setting applies; set it on the app.");
  }
  const config = resolveConfig(options);
  const context = createApiContext({
    mode: 'router',
    target: InspectorSessionTarget.sameThread(),
    config,
    log: new AuditLogger(config.auditLog),
    // The probe runs for the life of the process once a router is mounted: routers have no close().
    probe: acquireMainThreadProbe().handle,
    dumpsDirectory: DumpStore.createDirectoryRemovedAtExit(config.dumps.directory).directory,
  });
  return createApiRouter(context);
}
