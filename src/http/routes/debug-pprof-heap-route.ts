import { heapProfileArtifact } from '../../operations/artifacts/heap-profile-artifact.js';
import { pprofRoute } from '../pprof-route.js';

/**
 * `GET {base}/debug/pprof/heap`: a sampling heap profile as pprof with Go's four sample types. Go answers
 * at once without `seconds` (its runtime samples all the time); V8 samples only while asked, so here
 * the profile always covers `seconds`, 10 by default, as /heapprofile.
 */
export const debugPprofHeapRoute = pprofRoute(heapProfileArtifact, {
  path: '/debug/pprof/heap',
  summary: "Sampling heap profile of the main thread as pprof with Go's sample types (inuse_space first), at the path Go tools scrape.",
  defaultSeconds: 10,
});
