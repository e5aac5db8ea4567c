import type { NextFunction, Request, Response } from 'express';
import { ConfigError } from '../errors.js';
import { resolveConfig, type MaintenanceOptions } from '../options/resolve-options.js';
import { acquireMainThreadProbe } from '../probe/main-thread-probe.js';
import { DumpStore } from '../scheduling/dump-store.js';

/** What `maintenanceRouter()` returns: Express middleware to mount with `app.use(path, ...)`. */
export type MaintenanceRouter = (req: Request, res: Response, next: NextFunction) => void;

/**
 * The maintenance API as middleware for the app's own Express app:
 * `app.use('/ops', maintenanceRouter({ tokens }))`.
 *
 * It runs on the app's thread through an in-process inspector session, so it answers only while the
 * app's loop turns, and a heap snapshot freezes the loop while V8 serializes (a reader thread stages
 * what V8 writes, within the memory bound and then in a private spill file). Prefer
 * `startMaintenanceServer()`, which stays out of band. Throws a ConfigError on bad options, at once.
 *
 * The HTTP stack behind it (the endpoint's router, helmet, the rate limiter, prom-client, pino) is
 * loaded in the background from here on, not when the package is imported: an app that only starts
 * the out-of-band server never loads it on its own thread. A request that arrives before it is ready
 * waits for it.
 */
export function maintenanceRouter(options: MaintenanceOptions): MaintenanceRouter {
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
  // The probe runs for the life of the process once a router is mounted: routers have no close().
  const probe = acquireMainThreadProbe().handle;
  const { directory } = DumpStore.createDirectoryRemovedAtExit(config.dumps.directory, config.tmpdir);
  const router = import('./router-endpoint.js').then(({ routerEndpoint }) => routerEndpoint({ config, probe, dumpsDirectory: directory }));
  // A failure to load surfaces on the first request, as a 500; keep it from being an unhandled rejection meanwhile.
  router.catch(() => {});
  return (req, res, next) => {
    router.then((handle) => handle(req, res, next), next);
  };
}
