import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers, tightened for an API that never serves a page, plus `Cache-Control: no-store`
 * (helmet sets none): heap snapshots and stacks must never sit in a proxy or browser cache.
 */
export function securityHeaders(): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  ];
}
