import type { IncomingMessage, ServerResponse } from 'node:http';
import { reportContained } from '../contained.js';
import { lazyListener } from '../endpoint/lazy-listener.js';
import { MAINTENANCE_OPTION_NAMES, type OptionNames } from '../options/option-names.js';
import { resolveBasePath, type MaintenanceOptions } from '../options/resolve-options.js';
import { startInAppEndpoint } from './in-app-endpoint.js';

export interface MaintenanceRequestHandlerOptions extends MaintenanceOptions {
  /** Path prefix of the API in the app's URL space. Default `/ops`. */
  basePath?: string;
}

const HANDLER_OPTION_NAMES: OptionNames<MaintenanceRequestHandlerOptions> = { ...MAINTENANCE_OPTION_NAMES, basePath: true };

/**
 * The maintenance API for a plain node:http app, which has no Express app to mount maintenanceRouter() in:
 *
 * ```ts
 * const ops = maintenanceRequestHandler({ tokens });
 * createServer((req, res) => {
 *   if (ops(req, res)) return; // under /ops: the endpoint answers
 *   // the app's own routes
 * });
 * ```
 *
 * The returned function takes every request: it answers those under `basePath` (`/ops`, `/ops/...`,
 * `/ops?...`) and returns true, and leaves any other untouched and returns false, for the app to answer.
 * Router mode's endpoint, started the same way (options checked by name, tokens required, a ConfigError at
 * once on bad options); its HTTP stack (Express, the routes, helmet, the rate limiter, the Host check, the
 * audit) is loaded and built on the first request under `basePath`, so an app nobody calls holds none of it,
 * nor an Express app of its own. `trustProxy` applies as on the out-of-band server: the app has no setting.
 */
export function maintenanceRequestHandler(options: MaintenanceRequestHandlerOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const basePath = resolveBasePath(options?.basePath);
  const { load } = startInAppEndpoint(options, HANDLER_OPTION_NAMES);
  const listener = lazyListener(
    () => load().then((endpoint) => endpoint.requestListener(basePath)),
    (failure) => reportContained('the maintenance endpoint', new Error(`${failure.detail} (request to ${failure.path})`)),
  );
  return (req, res) => {
    if (!underBasePath(req.url, basePath)) return false;
    listener(req, res);
    return true;
  };
}

/** `basePath` itself, or a path below it, with or without a query: what Express's `app.use(basePath)` would hand the API. */
function underBasePath(url: string | undefined, basePath: string): boolean {
  if (url === undefined || !url.startsWith(basePath)) return false;
  const next = url[basePath.length];
  return next === undefined || next === '/' || next === '?';
}
