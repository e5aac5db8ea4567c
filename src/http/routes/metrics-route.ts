import { parseQuery } from '../query.js';
import type { RouteDefinition } from './route.js';

/** `GET {base}/metrics`: Prometheus text exposition with prom-client's metric names and the app's values. */
export const metricsRoute: RouteDefinition = {
  method: 'GET',
  path: '/metrics',
  scope: 'read',
  heavy: false,
  summary: "Prometheus metrics: prom-client's default names with the app main thread's values, the leak verdict, the endpoint's counters.",
  query: () => ({}),
  async handler(req, res, context) {
    parseQuery(req, {});
    const { contentType, body } = await context.metrics.exposition();
    res.type(contentType).send(body);
  },
};
