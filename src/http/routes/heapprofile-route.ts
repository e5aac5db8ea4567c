import { heapProfileArtifact } from '../../operations/artifacts/heap-profile-artifact.js';
import { artifactRoute } from '../artifact-route.js';

/** `GET {base}/heapprofile`: sampled allocations still alive after `seconds`, by allocating stack. */
export const heapProfileRoute = artifactRoute(heapProfileArtifact, {
  path: '/heapprofile',
  summary: 'Sampling heap profile of the main thread (or ?thread=ID) over `seconds` (default 10): live sampled allocations by stack, .heapprofile or pprof.',
  threads: true,
});
