import { defineRoute } from './route.js';

/** `GET {base}/metrics`: Prometheus text exposition with prom-client's metric names and the app's values. */
export const metricsRoute = defineRoute({
  method: 'GET',
  path: '/metrics',
  scope: 'read',
  summary: "Prometheus metrics: prom-client's default names with the app main thread's values, the leak verdict, the endpoint's counters.",
  async handle({ res, context }) {
    const { contentType, body } = await context.metrics.exposition();
    res.type(contentType).send(body);
  },
});
