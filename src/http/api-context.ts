import type { AuditLogger } from '../log/audit-logger.js';
import type { OperationRegistry } from '../operations/operation-registry.js';
import type { ResolvedConfig } from '../options/resolve-options.js';
import type { CdpTarget } from '../targets/target.js';

/** What every route handler gets: the inspected target and the server's shared state. */
export interface ApiContext {
  /** `worker`: out of band, on its own thread and port; `router`: mounted in the app's Express app. */
  mode: 'worker' | 'router';
  target: CdpTarget;
  operations: OperationRegistry;
  config: ResolvedConfig;
  log: AuditLogger;
}
