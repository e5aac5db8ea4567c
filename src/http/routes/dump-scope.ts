import { ARTIFACTS } from '../../operations/artifacts/all-artifacts.js';
import type { ScopeResolver } from './route.js';

/** A stored dump is fetched or deleted with the scope that could have taken it. */
export const scopeOfDump: ScopeResolver = {
  describe: 'heap for heap snapshots, profile for profiles',
  of: (_req, context, pathParams) => {
    const job = context.dumps.get(String(pathParams.id));
    return job === undefined ? undefined : ARTIFACTS[job.kind].scope;
  },
};
