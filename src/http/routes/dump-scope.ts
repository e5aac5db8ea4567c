import type { Scope } from '../../options/tokens.js';
import type { ScopeResolver } from './route.js';

const SCOPE_OF_KIND: Record<string, Scope> = { heapsnapshot: 'heap', cpuprofile: 'profile', heapprofile: 'profile' };

/** A stored dump is fetched or deleted with the scope that could have taken it. */
export const scopeOfDump: ScopeResolver = {
  describe: 'heap for heap snapshots, profile for profiles',
  of: (req, context) => {
    const job = context.dumps.get(String(req.params.id));
    return job === undefined ? undefined : SCOPE_OF_KIND[job.kind];
  },
};
