import { MaintenanceError } from '../../errors.js';
import { defineArtifact, JSON_TYPE } from './artifact-kind.js';

/**
 * What the recorder kept of a process that ended without closing its endpoint (a SIGKILL, an OOM abort,
 * a cgroup kill): its last spill, listed in the dump store by the next start. The file is a DevTools
 * `.heapprofile` (the live sampled allocations, loadable in the Memory tab) with the last minute of
 * vital signs beside it under `lastMoments`. Only the recorder makes it, from a spill; it is in the
 * table so that the store serves, scopes and names it as any dump.
 */
export const lastMomentsArtifact = defineArtifact({
  kind: 'last-moments',
  scope: 'profile',
  lock: 'heapprofile',
  parameters: () => ({}),
  expectedMs: () => undefined,
  extension: () => 'heapprofile',
  contentType: () => JSON_TYPE,
  compressible: () => true,
  produce() {
    return Promise.reject(new MaintenanceError('INVALID_PARAMETER', 'A last-moments dump is made by the recorder alone, from its last spill, at the start after a process ended unclosed.'));
  },
});
