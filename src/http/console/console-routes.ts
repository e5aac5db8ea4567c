import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { notFound } from '../../errors.js';
import { consoleAssets } from './console-assets.js';

/**
 * The console's page may run its own scripts and styles and talk to this origin, nothing else: no
 * inline script or style, no other origin, no plugin, no frame, no form. Its data all comes from the
 * API with the operator's bearer token, which the page keeps in sessionStorage.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `GET {base}/console` and its assets: public (they hold no data), mounted before authentication,
 * behind `limit` (per client address).
 * A browser asking for `{base}/` (Accept: text/html) is sent to the console; API clients get the index.
 * The page's asset names carry their content hash, so they are cached for a year; the page itself,
 * which names them, is never cached.
 */
export function consoleRoutes(limit: RequestHandler): RequestHandler {
  const router = consoleRouter(limit);
  // Every other request passes by without entering the router (its layers' path matches cost each
  // request of an unauthenticated flood in router mode).
  return (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && (req.path === '/' || req.path === '/console' || req.path.startsWith('/console/assets/'))) return router(req, res, next);
    next();
  };
}

function consoleRouter(limit: RequestHandler): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  // Only GET and HEAD are public here. Any other method leaves this router before it matches a path:
  // Express would otherwise answer OPTIONS itself (200 with Allow) for the paths below, before
  // authentication, telling an anonymous caller which paths exist.
  router.use((req: Request, _res: Response, next) => next(req.method === 'GET' || req.method === 'HEAD' ? undefined : 'router'));
  router.get('/', (req: Request, res: Response, next) => {
    if (req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
    limit(req, res, (error?: unknown) => (error ? next(error) : res.redirect(303, `${req.baseUrl}/console`)));
  });
  router.get('/console', limit, (_req: Request, res: Response) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(consoleAssets().html);
  });
  router.get('/console/assets/:name', limit, (req: Request, res: Response, next) => {
    const asset = consoleAssets().byHashedName.get(String(req.params.name));
    if (asset === undefined) return next(notFound('No such console asset.'));
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cache-Control', IMMUTABLE);
    res.type(asset.contentType).send(asset.body);
  });
  return router;
}
