import type { OperationRegistry } from '../../operations/operation-registry.js';
import type { ProbeView } from '../../probe/probe-view.js';

/**
 * What the health probes read. They are not declared routes: they answer without a token, before
 * authentication and the audit log (a probe every few seconds would fill it), behind the general rate
 * limit, and only where a probe runs in the app (the out-of-band server with `healthProbes` set).
 */
export interface HealthRouteContext {
  probe: ProbeView;
  operations: OperationRegistry;
  unresponsiveAfterSeconds: number;
}
