import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { ConfigError, MaintenanceError } from '../errors.js';
import { STATUS_OF } from '../http/error-status.js';
import { trustsEveryProxy } from '../options/trust-proxy.js';

const MESSAGE =
  "The app's `trust proxy` believes every hop, so any client could pick its own address with X-Forwarded-For " +
  "and step around the endpoint's per-client limits. Set `trust proxy` to your proxies (a hop count, 'loopback', " +
  'addresses or subnets), or pass `rateLimit.keyGenerator` to maintenanceRouter() to key clients yourself.';

/**
 * Wraps the endpoint in a sub-app so that mounting it (`app.use('/ops', ...)`) is a moment to check the
 * app: an app that trusts every proxy gets a ConfigError there, before it serves anything. A setting
 * changed after mounting, or a mount on a plain Router, is caught on the first request instead: the
 * endpoint then answers 500 MISCONFIGURED and reports why, once. The sub-app takes every setting from
 * the app it is mounted in, so it behaves as the router alone would. `express` is the app factory,
 * passed in so that this module loads nothing at import.
 */
export function guardTrustProxy(express: () => Express, endpoint: RequestHandler, hasKeyFunction: boolean, report: (message: string) => void): Express {
  const app = express();
  app.on('mount', (parent: { get(name: string): unknown }) => {
    // Inherit everything (Express links the settings to the parent's on mount; own defaults would shadow them).
    for (const name of Object.keys(app.settings)) delete app.settings[name];
    if (!hasKeyFunction && trustsEveryProxy(parent.get('trust proxy fn'))) throw new ConfigError('TRUST_PROXY', MESSAGE);
  });
  let checked: unknown;
  let reported = false;
  const guard = (req: Request, res: Response, next: NextFunction) => {
    const trust = req.app.get('trust proxy fn');
    if (hasKeyFunction || trust === checked) return endpoint(req, res, next);
    if (!trustsEveryProxy(trust)) {
      checked = trust;
      return endpoint(req, res, next);
    }
    if (!reported) report(MESSAGE);
    reported = true;
    const refusal = new MaintenanceError('MISCONFIGURED', 'The endpoint refuses to serve: its configuration is unsafe; see its log.');
    res.status(STATUS_OF[refusal.code]).setHeader('Cache-Control', 'no-store');
    res.json({ error: { code: refusal.code, message: refusal.message } });
  };
  // The sub-app exists for its 'mount' event; a request skips its own handling (a finalhandler, and two
  // prototype swaps of req and res, there and back, per request: a good part of what each refusal cost
  // the app in router mode). Its settings are the parent's anyway, so `req.app` may stay the parent.
  (app as unknown as { handle: RequestHandler }).handle = (req, res, next) =>
    guard(req, res, next ?? ((error?: unknown) => {
      res.statusCode = error ? 500 : 404;
      res.end();
    }));
  return app;
}
