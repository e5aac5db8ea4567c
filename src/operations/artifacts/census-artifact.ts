import { takeObjectCensus } from '../object-census.js';
import { defineArtifact, JSON_TYPE } from './artifact-kind.js';

/** Live objects counted by constructor, most first: what a rule leaves when memory climbs (refused above 512 MiB of heap). */
export const censusArtifact = defineArtifact({
  kind: 'census',
  scope: 'heap',
  // The count runs several full GCs: it takes the GC slot, so it never overlaps a forced GC.
  lock: 'gc',
  parameters: () => ({}),
  expectedMs: () => undefined,
  extension: () => 'census.json',
  contentType: () => JSON_TYPE,
  compressible: () => true,
  async produce(target, _params, sink) {
    const census = await takeObjectCensus(target);
    const byConstructor = [...census.byConstructor].sort((a, b) => b[1] - a[1]).map(([name, count]) => ({ name, count }));
    sink.write(JSON.stringify({ objects: census.objects, pauseMs: census.pauseMs, byConstructor }));
    return { objects: census.objects, pauseMs: census.pauseMs };
  },
});
