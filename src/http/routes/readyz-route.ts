import type { RequestHandler } from 'express';
import { mainThreadHealth } from '../../operations/main-thread-health.js';
import type { HealthRouteContext } from './health-route.js';

/**
 * `GET {base}/readyz`, without a token: 503 while one of the endpoint's own operations holds the main
 * thread (traffic should go elsewhere meanwhile) or while it does not turn; 200 otherwise.
 */
export function readyzRoute({ probe, operations, unresponsiveAfterSeconds }: HealthRouteContext): RequestHandler {
  return (_req, res) => {
    const health = mainThreadHealth(probe.reader, operations, unresponsiveAfterSeconds);
    const status = health.pausedByEndpoint ? 'paused' : health.turning ? 'ready' : 'unresponsive';
    res.status(status === 'ready' ? 200 : 503).json({ status });
  };
}
