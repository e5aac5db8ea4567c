import { parseQuery } from '../query.js';
import type { RouteDefinition } from './route.js';

/** `GET {base}/dumps`: every scheduled dump with its status, trigger, times, size and error. */
export const dumpsRoute: RouteDefinition = {
  method: 'GET',
  path: '/dumps',
  scope: 'read',
  heavy: false,
  summary: 'Scheduled dumps: id, kind, status (scheduled, running, ready, failed, cancelled), trigger, times, size, error.',
  query: () => ({}),
  handler(req, res, context) {
    parseQuery(req, {});
    res.json({ dumps: context.dumps.list() });
  },
};
