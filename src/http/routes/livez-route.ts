import type { RequestHandler } from 'express';
import { mainThreadHealth } from '../../operations/main-thread-health.js';
import type { HealthRouteContext } from './health-route.js';

/**
 * `GET {base}/livez`, without a token: 200 while the app's main thread turns, or is held by one of the
 * endpoint's own operations (a heap snapshot); 503 once it has not turned for `unresponsiveAfterSeconds`
 * otherwise. A liveness probe wired to it does not restart the app in the middle of a dump.
 */
export function livezRoute({ probe, operations, unresponsiveAfterSeconds }: HealthRouteContext): RequestHandler {
  return (_req, res) => {
    const health = mainThreadHealth(probe.reader, operations, unresponsiveAfterSeconds);
    const alive = health.turning || health.pausedByEndpoint;
    res.status(alive ? 200 : 503).json({ status: alive ? (health.turning ? 'ok' : 'paused') : 'unresponsive' });
  };
}
