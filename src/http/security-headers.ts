import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers, tightened for an API that never serves a page, plus `Cache-Control: no-store`
 * (helmet sets none): heap snapshots and stacks must never sit in a proxy or browser cache.
 *
 * helmet's configuration here depends on nothing in the request, so its headers are the same on every
 * response: they are recorded once, by running helmet against a recording response, and replayed by one
 * middleware. helmet stays the source of what is sent; its twelve middlewares per request were a good
 * part of what an unauthenticated flood costs the app in router mode.
 */
export function securityHeaders(): RequestHandler {
  const { set, removed } = recordHelmet();
  return (_req, res, next) => {
    for (const name of removed) if (res.hasHeader(name)) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

function recordHelmet(): { set: Array<[string, string | string[]]>; removed: string[] } {
  const headers = new Map<string, [string, string | string[]]>();
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | string[]) {
      headers.set(name.toLowerCase(), [name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
      removed.push(name);
    },
  };
  let done = false;
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })({} as never, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  // helmet answers synchronously; a version that did not would send no header at all, which must not pass unseen.
  if (!done || headers.size === 0) throw new Error('helmet did not set its headers synchronously');
  headers.set('cache-control', ['Cache-Control', 'no-store']);
  return { set: [...headers.values()], removed };
}
