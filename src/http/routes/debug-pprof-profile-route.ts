import { cpuProfileArtifact } from '../../operations/artifacts/cpu-profile-artifact.js';
import { pprofRoute } from '../pprof-route.js';

/** `GET {base}/debug/pprof/profile?seconds=N`: a CPU profile as pprof, where Go tools look for one (30 s by default, as Go's). */
export const debugPprofProfileRoute = pprofRoute(cpuProfileArtifact, {
  path: '/debug/pprof/profile',
  summary: 'CPU profile of the main thread as pprof, at the path Go tools scrape (Pyroscope, Alloy, go tool pprof); 30 s by default, as Go.',
  defaultSeconds: 30,
});
