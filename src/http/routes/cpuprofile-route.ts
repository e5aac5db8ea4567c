import { cpuProfileArtifact } from '../../operations/artifacts/cpu-profile-artifact.js';
import { artifactRoute } from '../artifact-route.js';

/** `GET {base}/cpuprofile`: a timed V8 CPU profile of the main thread, as `.cpuprofile` or pprof. */
export const cpuProfileRoute = artifactRoute(cpuProfileArtifact, {
  path: '/cpuprofile',
  summary: 'CPU profile of the main thread (or ?thread=ID) over `seconds` (default 10): .cpuprofile for DevTools, or pprof.',
  threads: true,
});
