import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { AuditLogger } from '../log/audit-logger.js';
import { ConfigError } from '../options/errors.js';
import { trustsEveryProxy } from '../options/trust-proxy.js';

const MESSAGE =
  "The app's `trust proxy` believes every hop, so any client could pick its own address with X-Forwarded-For " +
  "and step around the endpoint's per-client limits. Set `trust proxy` to your proxies (a hop count, 'loopback', " +
  'addresses or subnets), or pass `rateLimit.keyGenerator` to maintenanceRouter() to key clients yourself.';

/**
 * Wraps the API router in a sub-app so that mounting it (`app.use('/ops', ...)`) is a moment to check
 * the app: an app that trusts every proxy gets a ConfigError there, before it serves anything. A
 * setting changed after mounting, or a mount on a plain Router, is caught on the first request instead:
 * the endpoint then answers 500 MISCONFIGURED and logs why, once. The sub-app takes every setting from
 * the app it is mounted in, so it behaves as the router alone would.
 */
export function guardTrustProxy(router: Router, log: AuditLogger, hasKeyFunction: boolean): Express {
  const app = express();
  app.on('mount', (parent: { get(name: string): unknown }) => {
    // Inherit everything (Express links the settings to the parent's on mount; own defaults would shadow them).
    for (const name of Object.keys(app.settings)) delete app.settings[name];
    if (!hasKeyFunction && trustsEveryProxy(parent.get('trust proxy fn'))) throw new ConfigError('ERR_TRUST_PROXY', MESSAGE);
  });
  let checked: unknown;
  let logged = false;
  app.use((req: Request, res: Response, next: NextFunction) => {
    const trust = req.app.get('trust proxy fn');
    if (hasKeyFunction || trust === checked) return next();
    if (!trustsEveryProxy(trust)) {
      checked = trust;
      return next();
    }
    if (!logged) log.error('refusing requests: misconfigured trust proxy', { detail: MESSAGE });
    logged = true;
    res.status(500).setHeader('Cache-Control', 'no-store');
    res.json({ error: { code: 'MISCONFIGURED', message: 'The endpoint refuses to serve: its configuration is unsafe; see its log.' } });
  });
  app.use(router);
  return app;
}
