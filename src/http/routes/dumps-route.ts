import { defineRoute } from './route.js';

/** `GET {base}/dumps`: every scheduled dump with its status, trigger, times, size and error. */
export const dumpsRoute = defineRoute({
  method: 'GET',
  path: '/dumps',
  scope: 'read',
  summary: 'Scheduled dumps: id, kind, status (scheduled, running, ready, failed, cancelled), trigger, times, size, error.',
  handle({ res, context }) {
    res.json({ dumps: context.dumps.list() });
  },
});
