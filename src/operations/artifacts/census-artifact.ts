import { jsonDocumentArtifact } from './artifact-kind.js';

/** Live objects counted by constructor, most first: what a rule leaves when memory climbs (refused above 512 MiB of heap). */
export const censusArtifact = jsonDocumentArtifact({
  kind: 'census',
  scope: 'heap',
  // The count runs several full GCs: it takes the GC slot, so it never overlaps a forced GC.
  lock: 'gc',
  extension: 'census.json',
  async take(target) {
    const { takeObjectCensus } = await import('../object-census.js');
    const census = await takeObjectCensus(target);
    const byConstructor = [...census.byConstructor].sort((a, b) => b[1] - a[1]).map(([name, count]) => ({ name, count }));
    return { document: { objects: census.objects, pauseMs: census.pauseMs, byConstructor }, facts: { objects: census.objects, pauseMs: census.pauseMs } };
  },
});
