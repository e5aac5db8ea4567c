import { heapProfileArtifact } from '../../operations/artifacts/heap-profile-artifact.js';
import { heapProfileToPprof } from '../../operations/pprof/heap-profile-to-pprof.js';
import { pprofRoute } from '../pprof-route.js';

/**
 * `GET {base}/debug/pprof/heap`: a sampling heap profile as pprof with Go's four sample types. With the
 * recorder on it answers at once, as Go's does (as of the last GC): the objects its running sampler held
 * at its last look, after the full GC V8 ran before answering it. Without it, V8 samples only while
 * asked, so the profile covers `seconds`, 10 by default, as /heapprofile.
 */
export const debugPprofHeapRoute = pprofRoute(heapProfileArtifact, {
  path: '/debug/pprof/heap',
  summary: "Sampling heap profile of the main thread as pprof with Go's sample types (inuse_space first), at the path Go tools scrape; at once with the recorder on.",
  defaultSeconds: 10,
  async fromRecorder(recorder) {
    const { profile, takenAtMs } = await recorder.latestProfile();
    const pprof = heapProfileToPprof(profile, recorder.samplingIntervalBytes, takenAtMs, takenAtMs - recorder.startedAtMs);
    return { pprof, facts: { samples: profile.samples.length, ageMs: Date.now() - takenAtMs } };
  },
});
